// Which agent CLIs this machine has: looked up on PATH like a shell would, each asked for its
// `--version` with a timeout (a CLI that hangs or asks to log in must not hang the caller).
// The dashboard's first-run path and `vigil doctor` both ask here.
import { execFile } from 'node:child_process';
import type { AdapterType } from '../../shared/domain';
import { listAdapters } from '../adapters/index';
import type { AdapterCapabilities, AdapterTransport } from '../adapters/types';
import { findOnPath } from '../../node/process/find-on-path';

export { findOnPath };

export interface AgentCli {
  adapterType: Exclude<AdapterType, 'process'>;
  /** What the adapter runs by default. */
  command: string;
  label: string;
  /** The command that installs it. */
  install: string;
  /** How to log in once. */
  login: string | null;
  transport: AdapterTransport;
  capabilities: AdapterCapabilities;
  /** The arguments that print its version. */
  versionArgs: string[];
  /** Where PATH resolves it; null when it is not there. */
  path: string | null;
  /** The first line `--version` printed; null when not found or when it failed. */
  version: string | null;
  /** Why it cannot be used as found (`--version` failed or timed out); null when fine or absent. */
  problem: string | null;
}

type KnownCli = Omit<AgentCli, 'path' | 'version' | 'problem'>;

/** The CLIs Vigil has adapters for, in the order they are offered: every adapter with a default command. */
export const KNOWN_AGENT_CLIS: ReadonlyArray<KnownCli> = listAdapters().flatMap((adapter): KnownCli[] => {
  const { command, install, label, login, transport, capabilities, versionArgs } = adapter.info;
  if (adapter.type === 'process' || !command || !install) return [];
  return [{ adapterType: adapter.type, command, label, install, login, transport, capabilities, versionArgs }];
});

export const VERSION_TIMEOUT_MS = 5000;


/** Runs `file --version` (or the adapter's own version arguments): its first non-empty output line, or why it failed. */
export function versionOf(file: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = VERSION_TIMEOUT_MS, versionArgs = ['--version']): Promise<{ version: string | null; problem: string | null }> {
  return new Promise((resolve) => {
    execFile(file, versionArgs, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const line = `${stdout}\n${stderr}`
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l.length > 0);
      if (!err) return resolve({ version: line ? line.slice(0, 200) : null, problem: line ? null : '`--version` printed nothing' });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const why = e.killed ? `did not answer within ${Math.round(timeoutMs / 1000)} s` : typeof e.code === 'number' ? `exited ${e.code}` : (e.code ?? e.message);
      resolve({ version: null, problem: `\`${file} ${versionArgs.join(' ')}\` ${why}${line ? `: ${line.slice(0, 200)}` : ''}` });
    });
  });
}

/** Every known CLI, found or not, asked for its version in parallel. */
export async function findAgentClis(env: NodeJS.ProcessEnv = process.env, timeoutMs = VERSION_TIMEOUT_MS): Promise<AgentCli[]> {
  return Promise.all(
    KNOWN_AGENT_CLIS.map(async (cli) => {
      const path = findOnPath(cli.command, env.PATH);
      if (!path) return { ...cli, path: null, version: null, problem: null };
      return { ...cli, path, ...(await versionOf(path, env, timeoutMs, cli.versionArgs)) };
    }),
  );
}
