// One agent's pty with its run log (redacted, byte-exact, sha256, back-pressure): who reads the
// pty writes the log. The pty host (src/ptyhost/) keeps one per agent, with the hosts watching
// its output and its exit, kept until a host acknowledges it; a host without a pty host runs
// the same thing in its own process (localLoggedSpawner).
//
// Offsets are log offsets: the n-th byte a host receives is the n-th byte of the log file. A host
// that attaches at offset X is sent [X, now) read back from the log first (queued live output
// waits meanwhile), then the live stream: no gap, no duplicate. A host with no use for the bytes
// (nothing parses them, nobody watches) is sent only progress, a few times a second, until it
// asks for the bytes again from the offset it has.
import type { PtyExitInfo, PtySessionInfo } from '../../shared/ptyhost-protocol';
import { MAX_OUTPUT_CHUNK, PROGRESS_TAIL_BYTES } from '../../shared/ptyhost-protocol';
import type { RunLogStore, RunLogWriter } from '../logs/run-log';
import { Redactor } from '../logs/redactor';
import { readStartIdentity } from './identity';
import { SessionEvents, terminateSession, type RunSession } from './run-session';
import { spawnInPty, type PtyExit, type RunProcess, type SpawnSpec } from './pty';

/** What a session needs of a connected host. */
export interface Watcher {
  /** Sends output; false when the connection is congested (the caller then pauses the pty). */
  output(session: string, offset: number, data: Buffer): boolean;
  /** Output happened (to a watcher that wants progress only): the log's size, its last bytes. */
  progress(session: string, bytes: number, tail: Buffer): void;
  exit(session: string, exit: PtyExitInfo): void;
  logError(session: string, message: string): void;
  /** Resolves once the connection can take more (or closed). */
  drained(): Promise<void>;
  readonly closed: boolean;
}

/** Why reading the pty is paused: any one of them holds it. */
type PauseReason = 'log' | 'host' | 'congested';

const LAST_BYTES = 4096;
/**
 * Progress goes out at most this often while output flows: often enough for a live last line
 * and silence checks, rare enough to cost nothing next to the bytes it stands for.
 */
export const PROGRESS_INTERVAL_MS = 200;

interface Attachment {
  watcher: Watcher;
  /** Sent progress only, not the bytes (the host has no use for them now). */
  progressOnly: boolean;
  /** Live output (and the exit) arriving while the catch-up is read from the log. */
  queued: ({ offset: number; data: Buffer } | { exit: PtyExitInfo })[] | null;
}

export class PtySession {
  exit: PtyExitInfo | null = null;
  private readonly attachments = new Map<Watcher, Attachment>();
  private readonly pausedBy = new Set<PauseReason>();
  /** The output's last bytes (up to LAST_BYTES), kept in place: no allocation per chunk. */
  private readonly tailSpace = Buffer.allocUnsafe(LAST_BYTES);
  private tailBytes = 0;
  private logError: string | null = null;
  private progressTimer: NodeJS.Timeout | null = null;
  private readonly ended: Promise<void>;

  private constructor(
    readonly id: string,
    private readonly proc: RunProcess,
    private readonly writer: RunLogWriter,
    private readonly logs: RunLogStore,
    onEnded: (s: PtySession) => void,
  ) {
    proc.onData((chunk) => this.onData(chunk));
    writer.onDrain(() => this.unpause('log'));
    writer.onError((err) => {
      this.logError = err.message;
      for (const a of this.attachments.values()) a.watcher.logError(id, err.message);
    });
    this.ended = new Promise((resolve) => proc.onExit((exit) => void this.onExit(exit).finally(resolve)));
    void this.ended.then(() => onEnded(this));
  }

  /** Spawns the agent and opens its log. Throws SpawnError (missing cwd, executable...). */
  static spawn(id: string, spec: SpawnSpec, secrets: string[], logs: RunLogStore, onEnded: (s: PtySession) => void): PtySession {
    const redactor = new Redactor(secrets);
    const proc = spawnInPty(spec);
    let writer: RunLogWriter;
    try {
      writer = logs.create(id, redactor);
    } catch (err) {
      // No log, no run: the process just started must not outlive this refusal (it leads its group).
      try {
        process.kill(-proc.pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      throw err;
    }
    return new PtySession(id, proc, writer, logs, onEnded);
  }

  info(): PtySessionInfo {
    return {
      session: this.id,
      pid: this.proc.pid,
      pgid: this.proc.pgid,
      sid: this.proc.sid,
      startId: this.proc.startId,
      logPath: this.writer.path,
      bytes: this.exit ? this.exit.logBytes : this.writer.bytes,
      exit: this.exit,
    };
  }

  /** Streams output from log offset `from` to `watcher`: the catch-up first, then live. */
  attach(watcher: Watcher, from: number): void {
    const end = this.exit ? this.exit.logBytes : this.writer.bytes;
    const start = Math.min(Math.max(0, from), end);
    const attachment: Attachment = { watcher, progressOnly: false, queued: start < end || this.exit ? [] : null };
    this.attachments.set(watcher, attachment);
    if (attachment.queued) void this.catchUp(attachment, start, end);
  }

  /**
   * What an attached watcher is sent from now on: the bytes from log offset `from` (as attach),
   * or with null progress only. An ended session's exit is on its way already: nothing changes.
   */
  watch(watcher: Watcher, from: number | null): void {
    if (from !== null) return this.attach(watcher, from);
    if (this.exit) return;
    this.attachments.set(watcher, { watcher, progressOnly: true, queued: null });
    this.progressTimer ??= setTimeout(() => this.sendProgress(), PROGRESS_INTERVAL_MS);
  }

  detach(watcher: Watcher): void {
    if (!this.attachments.delete(watcher)) return;
    this.recheckCongestion();
  }

  pause(): void {
    this.hold('host');
  }

  resume(): void {
    this.unpause('host');
  }

  write(data: string): void {
    this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    this.proc.resize(cols, rows);
  }

  /**
   * A signal to the agent's group (or its leader). Only while its exit is not reported: until
   * then the leader is not reaped, so its pid and group number cannot belong to anyone else.
   */
  signal(signal: NodeJS.Signals, group: boolean): boolean {
    if (this.exit || readStartIdentity(this.proc.pid) !== this.proc.startId) return false;
    try {
      process.kill(group ? -this.proc.pgid : this.proc.pid, signal);
      return true;
    } catch {
      return false; // it exited between the check and the signal
    }
  }

  /** Resolves when the agent ended and its log is closed. */
  whenEnded(): Promise<void> {
    return this.ended;
  }

  private onData(chunk: Buffer): void {
    const { offset, data } = this.writer.append(chunk);
    this.deliver(offset, data);
    if (this.writer.needsDrain) this.hold('log');
  }

  private deliver(offset: number, data: Buffer): void {
    if (data.length === 0) return;
    this.keepTail(data);
    let congested = false;
    let progress = false;
    for (const a of this.attachments.values()) {
      if (a.progressOnly) progress = true;
      else if (a.queued) a.queued.push({ offset, data });
      else if (!a.watcher.output(this.id, offset, data)) congested = true;
    }
    if (progress) this.progressTimer ??= setTimeout(() => this.sendProgress(), PROGRESS_INTERVAL_MS);
    if (congested) this.congested();
  }

  private keepTail(data: Buffer): void {
    if (data.length >= LAST_BYTES) {
      data.copy(this.tailSpace, 0, data.length - LAST_BYTES);
      this.tailBytes = LAST_BYTES;
      return;
    }
    const keep = Math.min(this.tailBytes, LAST_BYTES - data.length);
    this.tailSpace.copyWithin(0, this.tailBytes - keep, this.tailBytes);
    data.copy(this.tailSpace, keep);
    this.tailBytes = keep + data.length;
  }

  /** The output's last bytes (a copy). */
  private tail(): Buffer {
    return Buffer.from(this.tailSpace.subarray(0, this.tailBytes));
  }

  /** The log's size now and the bytes it ends with, to each watcher that wants progress only. */
  private sendProgress(): void {
    this.progressTimer = null;
    if (this.exit) return;
    const tail = this.tail().subarray(-PROGRESS_TAIL_BYTES);
    for (const a of this.attachments.values()) if (a.progressOnly) a.watcher.progress(this.id, this.writer.bytes, tail);
  }

  private async onExit(exit: PtyExit): Promise<void> {
    const last = this.writer.end();
    this.deliver(last.offset, last.data);
    const closed = await this.writer.close();
    // The exit says what progress would have: the log's final size and its last bytes.
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = null;
    this.exit = {
      exitCode: exit.exitCode,
      signal: exit.signal,
      logBytes: closed.bytes,
      logSha256: closed.sha256,
      lastBytes: this.tail().toString('base64'),
      logError: this.logError,
      endedAt: new Date().toISOString(),
    };
    for (const a of this.attachments.values()) {
      if (a.queued) a.queued.push({ exit: this.exit });
      else a.watcher.exit(this.id, this.exit);
    }
    this.pausedBy.clear();
  }

  /** Sends [start, end) from the log, then what queued meanwhile, then goes live. */
  private async catchUp(a: Attachment, start: number, end: number): Promise<void> {
    try {
      // Until done, or the watcher asked for something else (a new attachment replaced this one).
      for (let at = start; at < end && !a.watcher.closed && this.attachments.get(a.watcher) === a; ) {
        const slice = await this.logs.read(this.id, { offset: at, length: Math.min(MAX_OUTPUT_CHUNK, end - at) });
        if (slice.data.length === 0) break; // the log is shorter than it was (pruned, disk trouble): nothing more to send
        if (this.attachments.get(a.watcher) !== a) break;
        if (!a.watcher.output(this.id, at, slice.data)) await a.watcher.drained();
        at += slice.data.length;
      }
    } catch (err) {
      a.watcher.logError(this.id, `could not read the log back from offset ${start}: ${(err as Error).message}`);
    }
    const queued = a.queued ?? [];
    a.queued = null;
    if (this.attachments.get(a.watcher) !== a) return;
    for (const item of queued) {
      if ('exit' in item) a.watcher.exit(this.id, item.exit);
      else if (item.offset >= end) a.watcher.output(this.id, item.offset, item.data);
    }
    // Attached to an ended session: its exit was not queued (it happened before), send it now.
    if (this.exit && !queued.some((q) => 'exit' in q)) a.watcher.exit(this.id, this.exit);
  }

  private hold(reason: PauseReason): void {
    if (this.exit) return;
    const was = this.pausedBy.size;
    this.pausedBy.add(reason);
    if (was === 0) this.proc.pause();
  }

  private unpause(reason: PauseReason): void {
    if (!this.pausedBy.delete(reason) || this.pausedBy.size > 0 || this.exit) return;
    this.proc.resume();
  }

  /** A watcher cannot take more: stop reading the pty until every watcher drained. */
  private congested(): void {
    if (this.pausedBy.has('congested')) return;
    this.hold('congested');
    void Promise.all([...this.attachments.values()].map((a) => a.watcher.drained())).then(() => this.recheckCongestion());
  }

  private recheckCongestion(): void {
    if (!this.pausedBy.has('congested')) return;
    this.unpause('congested');
  }
}

/**
 * A session in this very process (the host without a pty host: tests, or a pty host that could
 * not be started). Same pty, same log writer, same back-pressure; nothing is ever lost (this
 * process holds the pty) and nothing waits for an acknowledgement.
 */
export function spawnLocalSession(runId: string, spec: SpawnSpec, secrets: string[], logs: RunLogStore): RunSession {
  const events = new SessionEvents();
  const watcher: Watcher = {
    closed: false,
    output(_session, offset, data) {
      events.push({ output: { offset, data } });
      return true;
    },
    progress: () => undefined, // never asked for: this process takes every byte
    exit: (_session, exit) => events.push({ exit }),
    logError: (_session, message) => events.push({ logError: message }),
    drained: () => Promise.resolve(),
  };
  const session = PtySession.spawn(runId, spec, secrets, logs, () => undefined);
  session.attach(watcher, 0);
  const info = session.info();
  return {
    pid: info.pid,
    pgid: info.pgid,
    sid: info.sid,
    startId: info.startId,
    onOutput: (cb) => events.on('output', cb),
    onExit: (cb) => events.on('exit', cb),
    onLogError: (cb) => events.on('logError', cb),
    onLost: (cb) => events.on('lost', cb),
    write: (data) => session.write(data),
    resize: (cols, rows) => session.resize(cols, rows),
    terminate: (graceMs) => terminateSession(runId, info, graceMs),
    acknowledge: () => undefined,
  };
}
