// The desktop way to a cgroup per run where cgroup2 is not directly writable: a transient systemd
// user scope per run. `systemd-run --user --scope` asks the user's service manager for the scope
// and then execs the command itself, so the run's first process is in the scope before the agent
// runs (nothing of the run exists outside it, as with a cgroup of our own). The scope is ended with
// `systemctl --user kill --signal=SIGKILL`, which reaches every process in it, whatever session,
// group or environment it moved to. Every call has a deadline: a stuck user manager never freezes
// the host.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath } from './find-on-path';
import type { SpawnSpec } from './pty';
import { resolveExecutable } from './pty';

const CALL_TIMEOUT_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SystemdTools {
  systemdRun: string;
  systemctl: string;
}

/**
 * Whether the user's service manager makes scopes for us: one real, empty scope is asked for
 * (`true` runs in it and exits). Returns the tools, or why not in words.
 */
export function probeSystemdScope(prefix: string, path: string | undefined): SystemdTools | { why: string } {
  const systemdRun = findOnPath('systemd-run', path);
  const systemctl = findOnPath('systemctl', path);
  if (!systemdRun || !systemctl) return { why: 'there is no systemd user manager (systemd-run and systemctl are not on PATH)' };
  const probe = spawnSync(systemdRun, ['--user', '--scope', '--quiet', '--collect', `--unit=${prefix}probe-${process.pid}`, '--', 'true'], {
    encoding: 'utf8',
    timeout: CALL_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (probe.status === 0) return { systemdRun, systemctl };
  const said = (probe.error?.message ?? probe.stderr ?? '').trim().split('\n')[0] || `exit ${probe.status ?? probe.signal}`;
  return { why: `the systemd user manager did not make a scope (${said})` };
}

function call(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: CALL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout: stdout ?? '' });
    });
  });
}

/** The run's scopes of one data folder: vigil-<folder hash>-run-<id>.scope. */
export class SystemdScopes {
  readonly mode = 'systemd scope' as const;

  constructor(
    private readonly tools: SystemdTools,
    /** `vigil-<folder hash>-`: this data folder's units. */
    private readonly prefix: string,
    /** The cgroup2 mount, to count a scope's processes (null: counted as 0). */
    private readonly cgroupMount: string | null,
  ) {}

  unitOf(runId: string): string {
    return `${this.prefix}run-${runId.replace(/[^A-Za-z0-9_-]/g, '_')}.scope`;
  }

  /**
   * The spawn, run through `systemd-run --user --scope`: the agent's executable is resolved first,
   * so a missing command fails the spawn in words as it does uncontained.
   */
  enter(runId: string, spec: SpawnSpec): SpawnSpec {
    const agent = resolveExecutable(spec.file, spec.cwd, spec.env.PATH);
    return { ...spec, file: this.tools.systemdRun, args: ['--user', '--scope', '--quiet', '--collect', `--unit=${this.unitOf(runId)}`, '--', agent, ...spec.args] };
  }

  /** SIGKILL to every process of the run's scope; waits (bounded) until the scope is gone. */
  async empty(runId: string, waitMs = 5_000): Promise<boolean> {
    const unit = this.unitOf(runId);
    if ((await call(this.tools.systemctl, ['--user', 'is-active', '--quiet', unit])).code !== 0) return true;
    await call(this.tools.systemctl, ['--user', 'kill', '--signal=SIGKILL', unit]);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if ((await call(this.tools.systemctl, ['--user', 'is-active', '--quiet', unit])).code !== 0) return true;
      await sleep(50);
    }
    // Still there: ask the manager to stop it (which kills what is left) as a last word.
    return (await call(this.tools.systemctl, ['--user', 'stop', unit])).code === 0;
  }

  /** Runs that have a scope now. */
  async runIds(): Promise<string[]> {
    const listed = await call(this.tools.systemctl, ['--user', 'list-units', '--all', '--plain', '--no-legend', '--type=scope', `${this.prefix}run-*`]);
    return listed.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter((u) => u.startsWith(`${this.prefix}run-`) && u.endsWith('.scope'))
      .map((u) => u.slice(`${this.prefix}run-`.length, -'.scope'.length));
  }

  /** How many processes the run's scope holds (read from its cgroup; 0 if it cannot be read). */
  async count(runId: string): Promise<number> {
    if (!this.cgroupMount) return 0;
    const shown = await call(this.tools.systemctl, ['--user', 'show', '--property=ControlGroup', '--value', this.unitOf(runId)]);
    const group = shown.stdout.trim();
    if (!group) return 0;
    try {
      return readFileSync(join(this.cgroupMount, group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  }
}
