// Runs spawned in the data folder's pty host: the host's end of the output path. The pty host
// writes the log (redacted, byte-exact, sha256) and streams the logged bytes with their offsets;
// the host parses, batches live events and records the end. A lost connection (the pty host
// died too) is reported per run, so today's recovery takes over.
import { PtyHostRequestError, type PtyHostClient, type PtySessionHandle } from './client';
import { connectOrStartPtyHost, type PtyHostLaunch } from './launch';
import type { PtyExitInfo, PtySessionInfo } from '../../shared/ptyhost-protocol';
import type { RunLogStore } from '../logs/run-log';
import { spawnLocalSession } from '../process/pty-session';
import { SpawnError, type SpawnSpec } from '../process/pty';
import { terminateRun } from '../process/tree';

export type { PtyExitInfo, PtySessionInfo } from '../../shared/ptyhost-protocol';

/** A run's process whose log is written where its pty is read (this process or the pty host). */
export interface LoggedRunHandle {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly startId: string;
  readonly logPath: string;
  /** Logged (redacted) output at its log offset, in order, each byte once. */
  onOutput(cb: (offset: number, data: Buffer) => void): void;
  /** Once, after the last output and the log's close. */
  onExit(cb: (exit: LoggedExit) => void): void;
  /** The log could not be written (disk full...): the run must stop. */
  onLogError(cb: (message: string) => void): void;
  /** Whoever owned the pty is gone (the pty host died): the run is lost, recovery decides. */
  onLost(cb: (reason: string) => void): void;
  /** Back-pressure from the host side (the log's own is handled where it is written). */
  pause(): void;
  resume(): void;
  /** Every process of the run (group, session, cookie; identity-checked): SIGTERM, grace, SIGKILL. */
  terminate(graceMs: number): Promise<void>;
  /** The end is recorded: the owner may forget the run. */
  acknowledge(): void;
}

export interface LoggedExit {
  exitCode: number | null;
  signal: string | null;
  logBytes: number;
  logSha256: string;
  logError: string | null;
}

const exitOf = (e: PtyExitInfo): LoggedExit => ({ exitCode: e.exitCode, signal: e.signal, logBytes: e.logBytes, logSha256: e.logSha256, logError: e.logError });

/** Where runs are spawned: the pty host, or this process. */
export interface LoggedRunSpawner {
  /** Starts the command (its cookie is in spec.env); rejects with SpawnError when it cannot. */
  spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<LoggedRunHandle>;
}

/** Spawns in this process's own ptys: the runs end with this process. */
export function localSpawner(logs: RunLogStore): LoggedRunSpawner {
  return {
    async spawn(runId, spec, secrets) {
      const local = spawnLocalSession(runId, spec, secrets, logs);
      const info = local.session.info();
      return {
        pid: info.pid,
        pgid: info.pgid,
        sid: info.sid,
        startId: info.startId,
        logPath: info.logPath,
        onOutput: (cb) => local.onOutput(cb),
        onExit: (cb) => local.onExit((e) => cb(exitOf(e))),
        onLogError: (cb) => local.onLogError(cb),
        onLost: () => undefined,
        pause: () => local.session.pause(),
        resume: () => local.session.resume(),
        async terminate(graceMs) {
          await terminateRun({ runId, pgid: info.pgid, sid: info.sid, leaderPid: info.pid, leaderStartId: info.startId }, { graceMs });
        },
        acknowledge: () => undefined,
      };
    },
  };
}

/** Wraps a pty host session as a run handle. */
export function sessionHandle(runId: string, s: PtySessionHandle): LoggedRunHandle {
  return {
    pid: s.pid,
    pgid: s.pgid,
    sid: s.sid,
    startId: s.startId,
    logPath: s.logPath,
    onOutput: (cb) => s.onData(cb),
    onExit: (cb) => s.onExit((e) => cb(exitOf(e))),
    onLogError: (cb) => s.onLogFailed(cb),
    onLost: (cb) => s.onLost(cb),
    pause: () => s.pause(),
    resume: () => s.resume(),
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
export class PtyHostSpawner implements LoggedRunSpawner {
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

  get pid(): number | null {
    return this.client && !this.client.closed ? this.client.ptyHostPid : null;
  }

  async spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<LoggedRunHandle> {
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
  async attach(runId: string, from: number): Promise<LoggedRunHandle> {
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
