// Any command, run by /bin/sh in the agent's folder. Its output is only logged: there is no
// structure to read, so the parser drops bytes as they come and holds nothing.
import type { Adapter, AdapterRunContext, OutputParser } from './types';

const NO_OUTPUT_PARSER: OutputParser = {
  readsOutput: false,
  push: () => [],
  end: () => [],
  result: () => ({ sessionId: null, sessionUnknown: false, usage: null, summary: null }),
};

export const processAdapter: Adapter = {
  type: 'process',
  info: {
    label: 'Any command',
    command: null,
    transport: 'pty',
    install: null,
    login: null,
    versionArgs: [],
    capabilities: { transcript: false, resume: false, tokens: false, cost: false, permissionRequests: false, liveInput: false },
  },
  buildCommand(ctx: AdapterRunContext) {
    if (!ctx.agent.command) throw new Error(`agent ${ctx.agent.name} uses the process adapter but has no command`);
    return { file: '/bin/sh', args: ['-c', ctx.agent.command], cwd: ctx.agent.cwd ?? ctx.defaultCwd, env: ctx.env };
  },
  createParser: () => NO_OUTPUT_PARSER,
};
