// `acp`: any agent that speaks the Agent Client Protocol on stdio (gemini --experimental-acp,
// claude-code-acp, codex-acp, opencode acp, qwen --acp ...). The run's process is
// `vigil acp-client` (client.ts) in the pty host; it starts the agent's command on pipes. What
// it needs (the command, the folder, the session to resume, the prompt) goes in its environment;
// the prompt, which may be long, in a private file of the data folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vigilOnPath } from '../../mcp/claude-config';
import { buildPrompt } from '../prompt';
import type { Adapter, AdapterRunContext } from '../types';
import { createAcpParser } from './parser';

export const ACP_ENV = {
  command: 'VIGIL_ACP_COMMAND',
  cwd: 'VIGIL_ACP_CWD',
  resume: 'VIGIL_ACP_RESUME',
  prompt: 'VIGIL_ACP_PROMPT',
  promptFile: 'VIGIL_ACP_PROMPT_FILE',
} as const;

/** Where a run's prompt waits for its ACP client (read once, then removed). */
export function acpPromptFile(dataDir: string, runId: string): string {
  return join(dataDir, 'acp', `${runId}.prompt`);
}

export const acpAdapter: Adapter = {
  type: 'acp',
  info: {
    label: 'Any ACP agent',
    command: null,
    transport: 'acp',
    install: null,
    login: "log in with the agent's own CLI once (its ACP mode uses the same login)",
    versionArgs: [],
    capabilities: { transcript: true, resume: true, tokens: false, cost: true, permissionRequests: true, liveInput: true },
  },
  buildCommand(ctx: AdapterRunContext) {
    if (!ctx.agent.command) {
      throw new Error(`agent ${ctx.agent.name} uses the acp adapter but has no command (the agent's ACP command line, e.g. \`gemini --experimental-acp\`)`);
    }
    const cwd = ctx.agent.cwd ?? ctx.defaultCwd;
    const prompt = buildPrompt(ctx);
    const args = ctx.agent.args.length ? ` ${ctx.agent.args.map(shellQuote).join(' ')}` : '';
    const env: Record<string, string> = { ...ctx.env, [ACP_ENV.command]: `${ctx.agent.command}${args}`, [ACP_ENV.cwd]: cwd };
    if (ctx.resumeSessionId) env[ACP_ENV.resume] = ctx.resumeSessionId;
    const home = ctx.env.VIGIL_HOME;
    if (home) {
      const file = acpPromptFile(home, ctx.runId);
      mkdirSync(join(home, 'acp'), { recursive: true, mode: 0o700 });
      writeFileSync(file, prompt, { mode: 0o600 });
      env[ACP_ENV.promptFile] = file;
    } else env[ACP_ENV.prompt] = prompt;
    return { file: vigilOnPath(ctx.env.PATH), args: ['acp-client'], cwd, env, prompt };
  },
  createParser: createAcpParser,
};

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
