// One pty session as whoever holds it sees it: the host holding a session in the pty host
// (src/main/ptyhost/client.ts), or this very process holding its own pty (the fallback,
// pty-session.ts spawnLocalSession). One type, one event vocabulary (output, exit, logError,
// lost), and one way events wait for their listener.
import type { PtyExitInfo, PtySessionInfo } from '../../shared/ptyhost-protocol';
import { terminateRun } from './tree';

export interface RunSession {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  /** The leader's start identity, read right after spawn (identity.ts). */
  readonly startId: string;
  /** Logged (redacted) output at its log offset, in order, each byte once. */
  onOutput(cb: (offset: number, data: Buffer) => void): void;
  /** Once, after the last output, with the log closed. */
  onExit(cb: (exit: PtyExitInfo) => void): void;
  /** The log could not be written (disk full...): the run must stop. */
  onLogError(cb: (message: string) => void): void;
  /** Whoever held the pty is gone (the pty host died): the run's end is recovery's to judge. */
  onLost(cb: (reason: string) => void): void;
  /**
   * Only where the bytes cross to another process (the pty host): `from` null stops them, and
   * onProgress then reports the log's size and last bytes instead; a number sends them again
   * from that log offset (read back from the log first, so nothing is missed).
   */
  streamOutput?(from: number | null): void;
  /** Output happened while the bytes are not sent: the log's size, and the bytes it ends with. */
  onProgress?(cb: (bytes: number, tail: Buffer) => void): void;
  /** Types into the terminal. */
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Stops every process of the run (group, session, cookie; identity-checked): SIGTERM, grace, SIGKILL. */
  terminate(graceMs: number): Promise<void>;
  /** The end is recorded: whoever holds the pty may forget the session. */
  acknowledge(): void;
}

export type SessionEvent =
  | { output: { offset: number; data: Buffer } }
  | { progress: { bytes: number; tail: Buffer } }
  | { exit: PtyExitInfo }
  | { logError: string }
  | { lost: string };

type Listeners = {
  output?: (offset: number, data: Buffer) => void;
  progress?: (bytes: number, tail: Buffer) => void;
  exit?: (exit: PtyExitInfo) => void;
  logError?: (message: string) => void;
  lost?: (reason: string) => void;
};

/**
 * Events that may arrive before their listener is set (a session's output starts before its
 * holder has wired it): kept and delivered in order once it is. Delivery stops at the first
 * event whose listener is missing, so an exit never overtakes the output before it. A log
 * error or progress nobody listens for is dropped (the exit carries them too).
 */
export class SessionEvents {
  private readonly listeners: Listeners = {};
  private readonly early: SessionEvent[] = [];

  on<K extends keyof Listeners>(kind: K, cb: NonNullable<Listeners[K]>): void {
    this.listeners[kind] = cb as Listeners[K];
    this.replay();
  }

  push(event: SessionEvent): void {
    this.early.push(event);
    this.replay();
  }

  private replay(): void {
    const l = this.listeners;
    while (this.early.length > 0) {
      const item = this.early[0];
      if ('output' in item) {
        if (!l.output) return;
        this.early.shift();
        l.output(item.output.offset, item.output.data);
      } else if ('exit' in item) {
        if (!l.exit) return;
        this.early.shift();
        l.exit(item.exit);
      } else if ('progress' in item) {
        this.early.shift();
        l.progress?.(item.progress.bytes, item.progress.tail);
      } else if ('logError' in item) {
        this.early.shift();
        l.logError?.(item.logError);
      } else {
        if (!l.lost) return;
        this.early.shift();
        l.lost(item.lost);
      }
    }
  }
}

/**
 * The half of a RunSession that only reads what the pty host said of the session (its identity)
 * and hands its events on: a live session in the pty host and one replayed from its log share it.
 */
export abstract class SessionOfInfo {
  protected readonly events = new SessionEvents();

  abstract get info(): Pick<PtySessionInfo, 'pid' | 'pgid' | 'sid' | 'startId'>;

  get pid() {
    return this.info.pid;
  }
  get pgid() {
    return this.info.pgid;
  }
  get sid() {
    return this.info.sid;
  }
  get startId() {
    return this.info.startId;
  }
  onOutput(cb: (offset: number, data: Buffer) => void): void {
    this.events.on('output', cb);
  }
  onExit(cb: (exit: PtyExitInfo) => void): void {
    this.events.on('exit', cb);
  }
  onLogError(cb: (message: string) => void): void {
    this.events.on('logError', cb);
  }
  onLost(cb: (reason: string) => void): void {
    this.events.on('lost', cb);
  }
  onProgress(cb: (bytes: number, tail: Buffer) => void): void {
    this.events.on('progress', cb);
  }
}

/** A run's processes, wherever its pty is: by group, session and the run's cookie, the leader identity-checked. */
export function terminateSession(runId: string, s: Pick<RunSession, 'pid' | 'pgid' | 'sid' | 'startId'>, graceMs: number): Promise<void> {
  return terminateRun({ runId, pgid: s.pgid, sid: s.sid, leaderPid: s.pid, leaderStartId: s.startId }, { graceMs }).then(() => undefined);
}
