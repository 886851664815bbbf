// A container per run (src/node/process/containment.ts: a cgroup of our own, or a systemd user
// scope), wrapped around whichever spawner runs the agents (the pty host, or this process's ptys):
// the run's spawn is changed so that its first process is in the run's container before the agent
// runs; stopping the run (cancel, timeout, shutdown, the clean-up after its exit) ends the whole
// container after the process-tree stop, and removes it. Nothing that left the run's group,
// session or environment survives it.
import type { RunContainers } from '../../node/process/containment';
import { hostLog } from '../host-log';
import type { RunSession, RunSpawner, SpawnSpec } from './run-process';

/** The session with its stop extended to the run's container. */
export function containSession(session: RunSession, empty: () => Promise<boolean>, name: string): RunSession {
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
    ...(session.streamOutput && session.onProgress && {
      streamOutput: (from: number | null) => session.streamOutput!(from),
      onProgress: (cb: (bytes: number, tail: Buffer) => void) => session.onProgress!(cb),
    }),
    write: (data) => session.write(data),
    resize: (cols, rows) => session.resize(cols, rows),
    terminate: async (graceMs) => {
      try {
        await session.terminate(graceMs);
      } finally {
        // What the tree stop could not find (setsid + env -i) is in the container all the same.
        if (!(await empty())) hostLog('warn', 'engine', `the ${name} could not be emptied and removed`);
      }
    },
    acknowledge: () => session.acknowledge(),
  };
}

export class ContainedSpawner implements RunSpawner {
  constructor(
    private readonly inner: RunSpawner,
    readonly containers: RunContainers,
  ) {}

  private wrap(runId: string, session: RunSession): RunSession {
    return containSession(session, () => this.containers.empty(runId), `${this.containers.mode} of run ${runId}`);
  }

  /** The container of a run taken back after a restart (it was made by the host that spawned it). */
  contain(runId: string, session: RunSession): RunSession {
    return this.wrap(runId, session);
  }

  async spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<RunSession> {
    let entered: SpawnSpec | null = null;
    try {
      entered = this.containers.enter(runId, spec);
    } catch (err) {
      // A command that is not there fails the same way uncontained: the inner spawn says so.
      // Otherwise the run runs all the same: the older rules (group, session, cookie) still stop it.
      hostLog('warn', 'engine', `putting run ${runId} in its ${this.containers.mode}; it runs without one`, err);
    }
    if (!entered) return this.inner.spawn(runId, spec, secrets);
    try {
      return this.wrap(runId, await this.inner.spawn(runId, entered, secrets));
    } catch (err) {
      await this.containers.empty(runId);
      throw err;
    }
  }
}
