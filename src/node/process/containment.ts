// How a run's processes are contained, decided once at start and said once (host.log, `vigil
// doctor`): a cgroup of our own per run where cgroup2 is directly writable (root, or a delegated
// subtree), else a systemd user scope per run (the desktop's user manager makes it), else today's
// process rules (group, session and the run's cookie), with a banner saying why and what is lost.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2MountOf, CgroupRuns, ownCgroupOf } from './cgroup';
import type { SpawnSpec } from './pty';
import { probeSystemdScope, SystemdScopes } from './systemd-scope';

/** One container per run, whichever kind: what the engine and recovery need of it. */
export interface RunContainers {
  readonly mode: 'cgroup' | 'systemd scope';
  /** The run's spawn, changed so that its first process is in the run's container before the agent runs. */
  enter(runId: string, spec: SpawnSpec): SpawnSpec;
  /** Ends every process in the run's container and removes it; true once it is gone. */
  empty(runId: string): Promise<boolean>;
  /** The runs that have a container now. */
  runIds(): Promise<string[]>;
  /** How many processes the run's container holds. */
  count(runId: string): Promise<number>;
}

export type Containment =
  | { kind: 'cgroup2'; mode: 'cgroup'; root: string; containers: RunContainers; said: string }
  | { kind: 'systemd-scope'; mode: 'systemd scope'; containers: RunContainers; said: string }
  | { kind: 'none'; mode: 'process rules'; said: string };

export interface ContainmentProbe {
  mountinfo: string;
  cgroup: string;
  /** Where systemd-run and systemctl are looked for (default: this process's PATH). */
  path?: string;
  /** False: do not use cgroup2 directly (a test standing in for a machine where it is not writable). */
  directCgroup?: boolean;
}

const hashOf = (dataDir: string) => createHash('sha256').update(dataDir).digest('hex').slice(0, 12);

const LOST =
  "processes are found by their group, session and the run's cookie. What is lost: a process of a run that leaves all three (setsid, then env -i) outlives the run's cancel, timeout and recovery";

/** Where cgroup2 is and whether this folder's cgroup can be made under our own: the root, or why not. */
function directCgroup(dataDir: string, proc: ContainmentProbe): { mount: string | null; root?: string; why?: string } {
  let mount: string | null = null;
  let own: string | null = null;
  try {
    mount = cgroup2MountOf(readFileSync(proc.mountinfo, 'utf8'));
    own = ownCgroupOf(readFileSync(proc.cgroup, 'utf8'));
  } catch {
    // no procfs
  }
  if (!mount || own === null) return { mount: null, why: 'cgroup2 is not mounted' };
  if (proc.directCgroup === false) return { mount, why: `cgroup2 at ${mount} is not used directly here` };
  const root = join(mount, own, `vigil-${hashOf(dataDir)}`);
  try {
    mkdirSync(root, { recursive: true });
    if (!existsSync(join(root, 'cgroup.kill'))) return { mount, why: 'this kernel has no cgroup.kill (Linux 5.14 or later has it)' };
    return { mount, root };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { mount, why: code === 'EACCES' || code === 'EROFS' || code === 'EPERM' ? `cgroup2 at ${mount} is not writable by Vigil under ${join(mount, own)}` : (err as Error).message };
  }
}

export function detectContainment(dataDir: string, probe: Partial<ContainmentProbe> = {}): Containment {
  const proc: ContainmentProbe = { mountinfo: '/proc/self/mountinfo', cgroup: '/proc/self/cgroup', ...probe };
  if (process.platform !== 'linux') return { kind: 'none', mode: 'process rules', said: `Run containment: process rules (no cgroups on ${process.platform}); ${LOST}.` };
  const direct = directCgroup(dataDir, proc);
  if (direct.root) {
    return {
      kind: 'cgroup2',
      mode: 'cgroup',
      root: direct.root,
      containers: new CgroupRuns(direct.root),
      said: `Run containment: cgroup. cgroup2 with cgroup.kill is writable under ${direct.root}: each run's processes are kept in a cgroup of their own and ended all at once.`,
    };
  }
  const prefix = `vigil-${hashOf(dataDir)}-`;
  const systemd = probeSystemdScope(prefix, proc.path ?? process.env.PATH);
  if ('systemdRun' in systemd) {
    return {
      kind: 'systemd-scope',
      mode: 'systemd scope',
      containers: new SystemdScopes(systemd, prefix, direct.mount),
      said: `Run containment: systemd scope. ${direct.why}; each run gets a transient systemd user scope (${prefix}run-<id>.scope, made by ${systemd.systemdRun}) and is ended through it all at once.`,
    };
  }
  return {
    kind: 'none',
    mode: 'process rules',
    said: `Run containment: process rules (${direct.why}; ${systemd.why}): ${LOST}. To contain runs, start Vigil where it can make cgroups (root, or a delegated scope: systemd-run --user --scope vigil serve).`,
  };
}

/**
 * After a crash: every run container of this data folder whose run is not live is emptied and
 * removed. Returns the runs whose containers held processes, with how many.
 */
export async function sweepRunContainers(containers: RunContainers, liveRunIds: Set<string>): Promise<{ runId: string; killed: number }[]> {
  const swept: { runId: string; killed: number }[] = [];
  for (const runId of await containers.runIds()) {
    if (liveRunIds.has(runId)) continue;
    const killed = await containers.count(runId);
    await containers.empty(runId);
    if (killed > 0) swept.push({ runId, killed });
  }
  return swept;
}
