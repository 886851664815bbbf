// The environment a run's process gets: the user's environment minus Vigil's own secrets,
// the agent's env, and the run's identity (the cookie that finds its processes later).
import { dirname } from 'node:path';

/** Host variables a run must never inherit. */
const HOST_SECRET_ENV = ['DATABASE_URL', 'VIGIL_TEST_PG_URL', 'VIGIL_RUN_TOKEN', 'VIGIL_RUN_ID', 'VIGIL_AGENT_ID', 'VIGIL_ISSUE_ID', 'VIGIL_ISSUE', 'VIGIL_WAKE_REASON'];

export interface RunEnvInput {
  base: NodeJS.ProcessEnv;
  agentEnv: Record<string, string>;
  runId: string;
  agentId: string;
  issueId: string | null;
  /** VIG-n, as people say it (VIGIL_ISSUE), beside the id (VIGIL_ISSUE_ID). */
  issueIdentifier?: string | null;
  wakeReason: string | null;
  dataDir: string;
  runToken: string;
  cliPath: string | null;
  hostSecretEnv: string[];
}

export function buildRunEnv(input: RunEnvInput): Record<string, string> {
  const strip = new Set([...HOST_SECRET_ENV, ...input.hostSecretEnv]);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.base)) {
    if (v !== undefined && !strip.has(k) && !k.startsWith('ELECTRON_')) env[k] = v;
  }
  Object.assign(env, input.agentEnv);
  if (input.cliPath) env.PATH = [dirname(input.cliPath), env.PATH ?? '/usr/bin:/bin'].join(':');
  env.TERM = env.TERM && env.TERM !== 'dumb' ? env.TERM : 'xterm-256color';
  env.VIGIL_RUN_ID = input.runId;
  env.VIGIL_AGENT_ID = input.agentId;
  env.VIGIL_ISSUE_ID = input.issueId ?? '';
  env.VIGIL_ISSUE = input.issueIdentifier ?? '';
  env.VIGIL_WAKE_REASON = input.wakeReason ?? '';
  env.VIGIL_HOME = input.dataDir;
  env.VIGIL_RUN_TOKEN = input.runToken;
  return env;
}
