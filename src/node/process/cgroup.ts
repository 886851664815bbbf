// A cgroup per run on Linux: every process of a run, whatever session, group or environment it
// moved to (`setsid sh -c 'exec env -i sleep 1000' &`), stays in its run's cgroup, and
// `cgroup.kill` ends them all at once. Where cgroup2 is writable (root, or a delegated subtree)
// Vigil makes vigil-<data folder hash>/run-<id> under its own cgroup (containment.ts decides).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpawnSpec } from './pty';

/** The cgroup2 mount point, from mountinfo (field 5 is the mount point, after " - " the fs type). */
export function cgroup2MountOf(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right || !right.startsWith('cgroup2 ')) continue;
    return left.split(' ')[4] ?? null;
  }
  return null;
}

/** This process's cgroup2 path ("0::/user.slice/..."), or null on a v1-only system. */
export function ownCgroupOf(procCgroup: string): string | null {
  const line = procCgroup.split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3).trim() : null;
}

export const runCgroupOf = (root: string, runId: string) => join(root, `run-${runId.replace(/[^A-Za-z0-9_-]/g, '_')}`);

/** Makes the run's cgroup before its spawn; the spawn wrapper moves the agent in before it execs. */
export function createRunCgroup(root: string, runId: string): string {
  const path = runCgroupOf(root, runId);
  mkdirSync(path, { recursive: true });
  return path;
}

export function cgroupPids(path: string): number[] {
  try {
    return readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ends every process of the cgroup (SIGKILL through cgroup.kill, which also catches processes
 * forking meanwhile), waits for it to be empty, and removes it. True when it is gone.
 */
export async function killCgroup(path: string, waitMs = 5_000): Promise<boolean> {
  if (!existsSync(path)) return true;
  try {
    writeFileSync(join(path, 'cgroup.kill'), '1');
  } catch {
    // gone meanwhile, or no cgroup.kill: nothing more this can do
  }
  const deadline = Date.now() + waitMs;
  while (cgroupPids(path).length > 0 && Date.now() < deadline) await sleep(20);
  try {
    rmdirSync(path);
    return true;
  } catch {
    return !existsSync(path);
  }
}

/**
 * After a crash: every run cgroup of this data folder whose run is not live is emptied and
 * removed. Recovery calls it with the runs it keeps. Returns the run ids whose cgroups held processes.
 */
export async function sweepRunCgroups(root: string, liveRunIds: Set<string>): Promise<{ runId: string; killed: number }[]> {
  if (!existsSync(root)) return [];
  const swept: { runId: string; killed: number }[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith('run-')) continue;
    const runId = name.slice(4);
    if (liveRunIds.has(runId)) continue;
    const path = join(root, name);
    const killed = cgroupPids(path).length;
    await killCgroup(path);
    if (killed > 0) swept.push({ runId, killed });
  }
  return swept;
}

/**
 * The shell step the pty spawn wrapper runs first when a run has a cgroup: the shell moves
 * itself into it, then execs the agent, so no process of the run exists outside it, ever.
 */
export const ENTER_CGROUP = 'p=$1; shift; echo $$ > "$p/cgroup.procs" 2>/dev/null; ';

/** A cgroup of our own per run, under `root` (the data folder's cgroup). */
export class CgroupRuns {
  readonly mode = 'cgroup' as const;

  constructor(readonly root: string) {}

  /** Makes the run's cgroup; the spawn wrapper moves itself in before it execs the agent. */
  enter(runId: string, spec: SpawnSpec): SpawnSpec {
    return { ...spec, cgroup: createRunCgroup(this.root, runId) };
  }

  empty(runId: string): Promise<boolean> {
    return killCgroup(runCgroupOf(this.root, runId));
  }

  async runIds(): Promise<string[]> {
    try {
      // Run ids are safe as cgroup names (runCgroupOf), so the folder name is the id.
      return readdirSync(this.root).filter((n) => n.startsWith('run-')).map((n) => n.slice(4));
    } catch {
      return [];
    }
  }

  async count(runId: string): Promise<number> {
    return cgroupPids(runCgroupOf(this.root, runId)).length;
  }
}
