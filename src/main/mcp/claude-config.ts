// What a Claude Code run needs to ask Vigil instead of refusing: an --mcp-config file naming
// `vigil mcp` with the run's identity, and the permission-prompt tool's full name. The file is
// the run's own (private data folder, 0600): it holds the run token, dead once the run ends.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MCP_SERVER_NAME, PERMISSION_TOOL } from './names';

/** Claude Code names an MCP tool mcp__<server>__<tool> (checked in 2.1.197). */
export const CLAUDE_PERMISSION_PROMPT_TOOL = `mcp__${MCP_SERVER_NAME}__${PERMISSION_TOOL}`;
/** A permission rule naming a whole server: Vigil's own tools need no approval. */
export const CLAUDE_VIGIL_MCP_RULE = `mcp__${MCP_SERVER_NAME}`;

const RUN_ENV = ['VIGIL_HOME', 'VIGIL_RUN_TOKEN', 'VIGIL_RUN_ID', 'VIGIL_AGENT_ID', 'VIGIL_ISSUE_ID'];

/** `vigil` as the run's PATH finds it (the host puts its own first), else the bare name. */
export function vigilOnPath(path: string | undefined): string {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'vigil');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return 'vigil';
}

/**
 * Writes the run's MCP config and returns the Claude Code arguments that use it; none when the
 * run has no Vigil identity to give (no data folder or token in its environment).
 */
export function claudeVigilArgs(runId: string, env: Record<string, string>): string[] {
  const home = env.VIGIL_HOME;
  if (!home || !env.VIGIL_RUN_TOKEN) return [];
  const dir = join(home, 'mcp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${runId}.json`);
  const serverEnv = Object.fromEntries(RUN_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const config = { mcpServers: { [MCP_SERVER_NAME]: { type: 'stdio', command: vigilOnPath(env.PATH), args: ['mcp'], env: serverEnv } } };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return ['--mcp-config', file, '--permission-prompt-tool', CLAUDE_PERMISSION_PROMPT_TOOL];
}

/** Once the run is over its config (and the token in it) has no use: removed. */
export function removeClaudeMcpConfig(dataDir: string, runId: string): void {
  rmSync(join(dataDir, 'mcp', `${runId}.json`), { force: true });
}
