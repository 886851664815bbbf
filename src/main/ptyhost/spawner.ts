// Runs spawned in the data folder's pty host: the pty host writes the log (redacted, byte-exact,
// sha256) and streams the logged bytes with their offsets; the engine parses them and records
// the end. A lost connection (the pty host died too) is reported per run, so recovery takes over.
import type { RunExit, RunHandle, RunSpawner, SpawnSpec } from '../heartbeat/run-process';
import { SpawnError } from '../process/pty';
import { terminateRun } from '../process/tree';
import type { PtyExitInfo, PtySessionInfo } from '../../shared/ptyhost-protocol';
import { PtyHostRequestError, type PtyHostClient, type PtySessionHandle } from './client';
import { connectOrStartPtyHost, type PtyHostLaunch } from './launch';

export type { PtySessionInfo } from '../../shared/ptyhost-protocol';

const exitOf = (e: PtyExitInfo): RunExit => ({ exitCode: e.exitCode, signal: e.signal, logBytes: e.logBytes, logSha256: e.logSha256, logError: e.logError });

/** A pty host session as a run handle. */
function sessionHandle(runId: string, s: PtySessionHandle): RunHandle {
  return {
    pid: s.pid,
    pgid: s.pgid,
    sid: s.sid,
    startId: s.startId,
    onOutput: (cb) => s.onData(cb),
    onExit: (cb) => s.onExit((e) => cb(exitOf(e))),
    onLogError: (cb) => s.onLogFailed(cb),
    onLost: (cb) => s.onLost(cb),
    async terminate(graceMs) {
      await terminateRun({ runId, pgid: s.pgid, sid: s.sid, leaderPid: s.pid, leaderStartId: s.startId }, { graceMs });
    },
    acknowledge: () => s.acknowledge(),
  };
}

/**
 * The host's connection to its pty host, made on first use and again after a loss (a pty host
 * that died is started anew for the next run; the runs it held are recovery's).
 */
export class PtyHostSpawner implements RunSpawner {
  private client: PtyHostClient | null = null;
  private connecting: Promise<PtyHostClient> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly launch: PtyHostLaunch,
  ) {}

  /** Connects (or starts the pty host): throws PtyHostVersionError or a start failure. */
  connect(): Promise<PtyHostClient> {
    if (this.client && !this.client.closed) return Promise.resolve(this.client);
    this.connecting ??= connectOrStartPtyHost(this.dataDir, this.launch).then(
      (client) => {
        this.client = client;
        this.connecting = null;
        return client;
      },
      (err: unknown) => {
        this.connecting = null;
        throw err;
      },
    );
    return this.connecting;
  }

  /** The pty host's pid while connected. */
  get pid(): number | null {
    return this.client && !this.client.closed ? this.client.ptyHostPid : null;
  }

  async spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<RunHandle> {
    const client = await this.connect();
    try {
      const s = await client.spawn({ session: runId, file: spec.file, args: spec.args, cwd: spec.cwd, env: spec.env, cols: spec.cols, rows: spec.rows, secrets });
      return sessionHandle(runId, s);
    } catch (err) {
      // The same refusals as a local spawn (missing executable or folder): the run never started.
      if (err instanceof PtyHostRequestError && err.code === 'spawn_failed') throw new SpawnError(err.message);
      throw err;
    }
  }

  /** The sessions the pty host holds (live, and ended but not yet acknowledged). */
  async sessions(): Promise<PtySessionInfo[]> {
    return (await this.connect()).list();
  }

  /** Takes a session back, its output streaming from log offset `from`. */
  async attach(runId: string, from: number): Promise<RunHandle> {
    return sessionHandle(runId, await (await this.connect()).attach(runId, from));
  }

  /**
   * Leaves: with `stopPtyHost` the pty host is asked to exit once its (stopped) sessions are
   * acknowledged; without, it keeps the agents for the next host.
   */
  close(stopPtyHost: boolean): void {
    const client = this.client;
    this.client = null;
    if (!client || client.closed) return;
    if (stopPtyHost) client.exitWhenIdle();
    client.close();
  }
}
