// vigil acp-client: the ACP client a run of the `acp` adapter runs as (src/main/adapters/acp).
// Started by Vigil in the run's pty with its settings in the environment; not for people to call.
// Permission requests become Vigil requests through the control socket (with the run token),
// waited on across host restarts; lines typed into the run's terminal become further prompts.
import type { PermissionAnswer, PermissionAsk } from '../../main/adapters/acp/client';
import { controlSocketPath } from '../../node/paths';
import { UsageError, type Command } from '../command';
const { readFileSync, rmSync } = process.getBuiltinModule('node:fs');

export const acpClientCommand: Command = {
  name: 'acp-client',
  args: [],
  options: {},
  summary: 'The ACP client a run of an `acp` agent runs as (started by Vigil; its settings come in VIGIL_ACP_* variables).',
  async run(ctx) {
    // Loaded here: the ACP SDK and the host link are for this verb only, not every `vigil` call.
    const [{ ACP_ENV }, { runAcpClient }, { hostLink }] = await Promise.all([
      import('../../main/adapters/acp/adapter'),
      import('../../main/adapters/acp/client'),
      import('../mcp/host-link'),
    ]);
    const env = { ...process.env };
    const command = env[ACP_ENV.command];
    if (!command) throw new UsageError(`vigil acp-client is started by Vigil for an acp agent's run: ${ACP_ENV.command} is not set`);
    const cwd = env[ACP_ENV.cwd] || process.cwd();
    const promptFile = env[ACP_ENV.promptFile];
    let prompt = env[ACP_ENV.prompt] ?? '';
    if (promptFile) {
      prompt = readFileSync(promptFile, 'utf8');
      rmSync(promptFile, { force: true });
    }
    const resume = env[ACP_ENV.resume] || null;
    // The agent gets the run's environment, not the client's settings.
    for (const key of Object.values(ACP_ENV)) delete env[key];
    const runToken = env.VIGIL_RUN_TOKEN || undefined;
    const link = hostLink(controlSocketPath(ctx.dataDir), { runToken, onRetry: (m) => process.stderr.write(`vigil acp-client: ${m}\n`) });
    const ask = async (req: PermissionAsk): Promise<PermissionAnswer> => {
      if (!runToken) return { decision: 'deny', message: 'no Vigil run to ask (VIGIL_RUN_TOKEN is not set)' };
      let request = await link.call('requests.open', {
        key: process.getBuiltinModule('node:crypto').randomUUID(),
        kind: 'permission',
        tool: (req.kind ?? req.title).slice(0, 200),
        ...(req.toolCallId ? { toolUseId: req.toolCallId.slice(0, 200) } : {}),
        input: req.input,
      });
      while (request.status === 'pending') request = await link.call('requests.wait', { request: request.id, waitMs: 25_000 });
      return { decision: request.answer?.decision ?? request.status, message: request.answer?.message };
    };
    const lines = process.stdin.isTTY ? process.getBuiltinModule('node:readline').createInterface({ input: process.stdin, terminal: false }) : undefined;
    const code = await runAcpClient({
      command,
      cwd,
      env,
      prompt,
      resumeSessionId: resume,
      ask,
      write: (text) => process.stdout.write(text),
      input: lines,
      version: ctx.install.version,
    });
    lines?.close();
    link.close();
    return code;
  },
};
