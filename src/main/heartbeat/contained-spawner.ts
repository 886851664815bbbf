// A cgroup per run (src/node/process/cgroup.ts), wrapped around whichever spawner runs the agents
// (the pty host, or this process's ptys): the run's cgroup is made before its spawn and named in
// the spawn request (the spawn wrapper moves itself in before it execs the agent); stopping the
// run (cancel, timeout, shutdown, the clean-up after its exit) ends the whole cgroup after the
// process-tree stop, and removes it. Nothing that left the run's group, session or environment
// survives it.
import { createRunCgroup, killCgroup, runCgroupOf } from '../../node/process/cgroup';
import { hostLog } from '../host-log';
import type { RunSession, RunSpawner, SpawnSpec } from './run-process';

/** The session with its stop extended to the run's cgroup. */
export function containSession(session: RunSession, cgroup: string): RunSession {
  return {
    get pid() {
      return session.pid;
    },
    get pgid() {
      return session.pgid;
    },
    get sid() {
      return session.sid;
    },
    get startId() {
      return session.startId;
    },
    onOutput: (cb) => session.onOutput(cb),
    onExit: (cb) => session.onExit(cb),
    onLogError: (cb) => session.onLogError(cb),
    onLost: (cb) => session.onLost(cb),
    write: (data) => session.write(data),
    resize: (cols, rows) => session.resize(cols, rows),
    terminate: async (graceMs) => {
      try {
        await session.terminate(graceMs);
      } finally {
        // What the tree stop could not find (setsid + env -i) is in the cgroup all the same.
        if (!(await killCgroup(cgroup))) hostLog('warn', 'engine', `the cgroup ${cgroup} could not be emptied and removed`);
      }
    },
    acknowledge: () => session.acknowledge(),
  };
}

export class ContainedSpawner implements RunSpawner {
  constructor(
    private readonly inner: RunSpawner,
    readonly root: string,
  ) {}

  /** The cgroup of a run taken back after a restart (it was made by the host that spawned it). */
  contain(runId: string, session: RunSession): RunSession {
    return containSession(session, runCgroupOf(this.root, runId));
  }

  async spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<RunSession> {
    let cgroup: string | null = null;
    try {
      cgroup = createRunCgroup(this.root, runId);
    } catch (err) {
      // Contained or not, the run runs: the older rules (group, session, cookie) still stop it.
      hostLog('warn', 'engine', `making the cgroup of run ${runId}; it runs without one`, err);
    }
    if (!cgroup) return this.inner.spawn(runId, spec, secrets);
    try {
      return containSession(await this.inner.spawn(runId, { ...spec, cgroup }, secrets), cgroup);
    } catch (err) {
      await killCgroup(cgroup);
      throw err;
    }
  }
}
