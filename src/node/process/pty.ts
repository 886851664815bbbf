// A run's command in a real pty. The child is a session and process-group leader
// (pid = pgid = sid), so the run's whole tree can be found and stopped later (tree.ts).
// Output arrives as raw bytes; exit is reported only once every byte has been delivered.
import { existsSync, readSync, statSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { ReadStream } from 'node:tty';
import { readStartIdentity } from './identity';
import { isExecutableFile } from './find-on-path';
import { nativePty } from './native-pty';
import { ENTER_CGROUP } from './cgroup';

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols?: number;
  rows?: number;
  /** The run's cgroup (cgroup.ts): the wrapper moves itself in before it execs the agent. */
  cgroup?: string;
}

/** How the leader ended: an exit code, or the name of the signal that killed it (e.g. 'SIGTERM'). */
export interface PtyExit {
  exitCode: number | null;
  signal: string | null;
}

export interface RunProcess {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  /** readStartIdentity(pid) taken right after spawn; EXITED_BEFORE_IDENTITY if it was already gone. */
  readonly startId: string;
  /** Raw bytes from the pty master, never decoded. */
  onData(cb: (chunk: Buffer) => void): void;
  /** Fires once, after every byte of output was delivered to onData (waits for resume() if paused). */
  onExit(cb: (exit: PtyExit) => void): void;
  /** Stops reading the pty master: the child blocks once the kernel buffer is full. */
  pause(): void;
  resume(): void;
  write(data: string): void;
  /** Tells the terminal (and so the agent, by SIGWINCH) its new size. */
  resize(cols: number, rows: number): void;
}

export class SpawnError extends Error {
  readonly code = 'spawn_failed';
  constructor(message: string) {
    super(message);
    this.name = 'SpawnError';
  }
}

/**
 * Recorded as startId when the leader exited (and was reaped) before its identity could be read:
 * it never equals a live process's identity, so nothing is ever signalled on its account.
 */
export const EXITED_BEFORE_IDENTITY = 'exited-before-identity';

export const DEFAULT_COLS = 120;
export const DEFAULT_ROWS = 40;

/** After the leader exits, output still arriving from descendants that hold the pty open ends the drain once it pauses this long... */
const DRAIN_QUIET_MS = 100;
/** ...or, if they never stop writing, after this long of unpaused draining. */
const DRAIN_CAP_MS = 2_000;
/** How soon to look again when the slave was reopened after a hangup (rare). */
const HANGUP_RETRY_MS = 50;
/**
 * A pty hands out at most this much per read on Linux (its line discipline's page, 4 KiB less
 * one byte), and libuv reads again in the same turn only when a read filled the whole buffer it
 * was given (up to 32 reads). So each read is offered exactly this much: while the kernel holds
 * more, libuv goes on reading, and the read that finds nothing ends the burst inside libuv
 * (EAGAIN in C). The read-ahead this replaces read on with readSync until it threw EAGAIN: a
 * JavaScript error (about 5 us) every turn (docs/performance.md).
 */
const PTY_PAGE = 4095;
/** A turn's reads are handed out as one chunk of at most this much: well below a frame (MAX_OUTPUT_CHUNK). */
const CHUNK_MAX = 64 * 1024;
/**
 * Output is read into slabs of this size, each read right after the last, and a turn's reads
 * are handed out as one view of the slab: one allocation per many turns, no copy. Small enough
 * that a slab per session costs little with a hundred agents.
 */
const SLAB_BYTES = 256 * 1024;
/** How soon to retry a write the full pty input buffer refused. */
const WRITE_RETRY_MS = 10;

const SIGNAL_NAMES = new Map<number, string>();
for (const [name, num] of Object.entries(osConstants.signals)) if (!SIGNAL_NAMES.has(num)) SIGNAL_NAMES.set(num, name);

export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `SIG${signal}`;
}

function checkCwd(cwd: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    throw new SpawnError(`working folder "${cwd}" does not exist`);
  }
  if (!isDir) throw new SpawnError(`working folder "${cwd}" is not a folder`);
}

/** The path execvp would run: a name with a slash is taken relative to cwd, a bare name is looked up on env.PATH. */
export function resolveExecutable(file: string, cwd: string, envPath: string | undefined): string {
  if (file.includes('/')) {
    const path = resolve(cwd, file);
    if (!isExecutableFile(path)) throw new SpawnError(`executable "${file}" not found or not executable (looked at ${path})`);
    return path;
  }
  const dirs = (envPath ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const path = resolve(cwd, dir, file);
    if (isExecutableFile(path)) return path;
  }
  throw new SpawnError(
    dirs.length ? `executable "${file}" not found on PATH (${dirs.join(delimiter)})` : `executable "${file}" not found: the run's PATH is empty`,
  );
}

function checkStrings(spec: SpawnSpec): void {
  if (typeof spec.file !== 'string' || spec.file === '') throw new SpawnError('no executable given');
  spec.args.forEach((arg, i) => {
    if (typeof arg !== 'string' || arg.includes('\0')) throw new SpawnError(`argument ${i + 1} of "${spec.file}" is not a string without NUL bytes`);
  });
  for (const [name, value] of Object.entries(spec.env)) {
    if (name === '' || name.includes('=') || name.includes('\0')) throw new SpawnError(`environment variable name "${name}" is invalid`);
    if (typeof value !== 'string' || value.includes('\0')) throw new SpawnError(`environment variable ${name} has a value that is not a string without NUL bytes`);
  }
}

function checkSize(name: 'cols' | 'rows', value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > 10_000) throw new RangeError(`spawnInPty: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** Spawns in a new pty; the child is a session + process-group leader. Throws SpawnError for a missing cwd or executable. */
/**
 * node-pty's Linux fork leaves every pty master it opened inheritable, so each new run would
 * hold the masters of the runs before it, and a crashed host would never hang up their
 * terminals. The child closes every descriptor above stderr before it becomes the command.
 * (macOS spawns with POSIX_SPAWN_CLOEXEC_DEFAULT and needs none of this.)
 */
const CLOSE_INHERITED_FDS = 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"; done; exec "$@"';
const FD_CLOSER = process.platform === 'linux' && existsSync('/bin/bash') ? '/bin/bash' : null;

export function spawnInPty(spec: SpawnSpec): RunProcess {
  if (process.platform === 'win32') throw new SpawnError('runs need a Unix pty (Linux or macOS); Windows is not supported');
  const cols = checkSize('cols', spec.cols, DEFAULT_COLS);
  const rows = checkSize('rows', spec.rows, DEFAULT_ROWS);
  checkStrings(spec);
  checkCwd(spec.cwd);
  const executable = resolveExecutable(spec.file, spec.cwd, spec.env.PATH);
  const env = { ...spec.env, TERM: spec.env.TERM ?? 'xterm-256color', PWD: spec.cwd };
  const native = nativePty();
  let run: PtyRun | null = null;
  let earlyExit: PtyExit | null = null;
  const onNativeExit = (exitCode: number, signal: number) => {
    const exit: PtyExit = signal ? { exitCode: null, signal: signalName(signal) } : { exitCode, signal: null };
    if (run) run.leaderExited(exit);
    else earlyExit = exit;
  };
  let forked;
  try {
    forked = native.fork(
      FD_CLOSER ?? executable,
      FD_CLOSER ? ['-c', spec.cgroup ? ENTER_CGROUP + CLOSE_INHERITED_FDS : CLOSE_INHERITED_FDS, 'vigil-run', ...(spec.cgroup ? [spec.cgroup] : []), executable, ...spec.args] : spec.args,
      Object.entries(env).map(([k, v]) => `${k}=${v}`),
      spec.cwd,
      cols,
      rows,
      -1,
      -1,
      true,
      native.helperPath,
      onNativeExit,
    );
  } catch (err) {
    throw new SpawnError(`could not start "${spec.file}" in a pty: ${(err as Error).message}`);
  }
  const startId = readStartIdentity(forked.pid) ?? EXITED_BEFORE_IDENTITY;
  run = new PtyRun(forked.pid, startId, forked.fd);
  // The exit callback is asynchronous, so this cannot happen today; keep it correct if it ever does.
  if (earlyExit) run.leaderExited(earlyExit);
  return run;
}

class PtyRun implements RunProcess {
  readonly pgid: number;
  readonly sid: number;
  private readonly master: ReadStream;
  private readonly dataListeners: ((chunk: Buffer) => void)[] = [];
  private readonly exitListeners: ((exit: PtyExit) => void)[] = [];
  private leaderExit: PtyExit | null = null;
  private reported: PtyExit | null = null;
  /** libuv saw the slave hang up; what the kernel still holds is read here (see drainAfterHangup). */
  private hungUp = false;
  private outputEnded = false;
  private paused = false;
  private quietTimer: NodeJS.Timeout | null = null;
  private capTimer: NodeJS.Timeout | null = null;
  private hangupRetry: NodeJS.Timeout | null = null;
  private pendingWrite: Buffer | null = null;
  private writeRetry: NodeJS.Timeout | null = null;
  /** Where reads land: the current slab; [0, slabUsed) is handed out (never reused), [slabUsed, slabUsed + unsent) read and not yet. */
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  private slabUsed = 0;
  private unsent = 0;
  private flushQueued = false;

  constructor(
    readonly pid: number,
    readonly startId: string,
    private readonly fd: number,
  ) {
    // forkpty's child calls setsid() before exec: it leads its own session and group.
    this.pgid = pid;
    this.sid = pid;
    // allowHalfOpen keeps the fd open past libuv's end-of-stream, so the rest can still be read.
    // onread: libuv reads into our slab (no buffer of its own per read), a page at a time, each
    // read right after the last; a turn's reads go out as one chunk, without a copy.
    this.master = new ReadStream(fd, {
      allowHalfOpen: true,
      onread: {
        buffer: () => this.nextReadSpace(),
        // false stops libuv's reading: a pause() before its first read could not (it was not reading yet).
        callback: (read: number) => {
          this.onRead(read);
          return this.paused ? false : undefined;
        },
      },
    } as ConstructorParameters<typeof ReadStream>[1]);
    this.master.resume();
    this.master.on('end', () => {
      this.hungUp = true;
      this.drainAfterHangup();
    });
    // EIO: every holder of the slave closed it and everything was read. Output is complete.
    this.master.on('error', () => this.endOutput());
    this.master.on('close', () => this.endOutput());
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.dataListeners.push(cb);
  }

  onExit(cb: (exit: PtyExit) => void): void {
    const reported = this.reported;
    if (reported) queueMicrotask(() => cb(reported));
    else this.exitListeners.push(cb);
  }

  pause(): void {
    if (this.reported) return;
    this.paused = true;
    this.master.pause();
    this.clearDrainTimers();
  }

  resume(): void {
    if (this.reported) return;
    this.paused = false;
    if (this.hungUp) this.drainAfterHangup();
    else this.master.resume();
    this.settle();
  }

  write(data: string): void {
    if (this.reported || data === '') return;
    const bytes = Buffer.from(data, 'utf8');
    this.pendingWrite = this.pendingWrite ? Buffer.concat([this.pendingWrite, bytes]) : bytes;
    this.flushWrites();
  }

  resize(cols: number, rows: number): void {
    if (this.reported) return;
    nativePty().resize(this.fd, checkSize('cols', cols, DEFAULT_COLS), checkSize('rows', rows, DEFAULT_ROWS));
  }

  leaderExited(exit: PtyExit): void {
    this.leaderExit = exit;
    this.settle();
  }

  /** Room for the next read: a page after what was read, in this slab or (handing out what it holds) a new one. */
  private nextReadSpace(): Buffer {
    if (this.unsent + PTY_PAGE > CHUNK_MAX) this.flush();
    let at = this.slabUsed + this.unsent;
    if (SLAB_BYTES - at < PTY_PAGE) {
      this.flush();
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.slabUsed = 0;
      at = 0;
    }
    return this.slab.subarray(at, at + PTY_PAGE);
  }

  /**
   * A read landed behind the unsent ones. A short read ends libuv's burst: out it goes with them.
   * A full page may have more behind it, read in this same turn; the turn's end sends them
   * (setImmediate runs right after this poll phase), or the chunk's limit does (nextReadSpace).
   */
  private onRead(read: number): void {
    this.unsent += read;
    if (read < PTY_PAGE) return this.flush();
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
  }

  /** Hands out what was read and not yet sent, as one view of the slab. */
  private flush(): void {
    if (this.unsent === 0) return;
    const chunk = this.slab.subarray(this.slabUsed, this.slabUsed + this.unsent);
    this.slabUsed += this.unsent;
    this.unsent = 0;
    this.deliver(chunk);
  }

  private deliver(chunk: Buffer): void {
    for (const cb of this.dataListeners) cb(chunk);
    if (this.leaderExit && this.quietTimer) this.quietTimer.refresh();
  }

  /**
   * libuv reports end-of-stream on a hangup as soon as one read comes back short, but a pty
   * hands its buffered output to the reader 4 KiB at a time: the kernel may still hold tens of
   * KiB. Read them here until the kernel answers EIO (nothing left, nobody holds the slave).
   */
  private drainAfterHangup(): void {
    this.hangupRetry = null;
    this.flush(); // what libuv read comes first
    while (!this.paused && !this.outputEnded && !this.reported) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      let read: number;
      try {
        read = readSync(this.fd, chunk);
      } catch (err) {
        // EAGAIN: the slave was opened again meanwhile; look again shortly.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') this.hangupRetry = setTimeout(() => this.drainAfterHangup(), HANGUP_RETRY_MS);
        else this.endOutput();
        return;
      }
      if (read === 0) return this.endOutput();
      this.deliver(chunk.subarray(0, read));
    }
  }

  private endOutput(): void {
    if (this.outputEnded) return;
    this.flush(); // what libuv read before the end
    this.outputEnded = true;
    this.settle();
  }

  /** Reports the exit once the leader is gone and its output is drained. */
  private settle(): void {
    if (this.reported || !this.leaderExit) return;
    if (this.outputEnded) return this.report(this.leaderExit);
    // Descendants still hold the pty open; when paused, nothing is read, so nothing may end yet.
    if (this.paused) return;
    const exit = this.leaderExit;
    this.quietTimer ??= setTimeout(() => this.report(exit), DRAIN_QUIET_MS);
    this.capTimer ??= setTimeout(() => this.report(exit), DRAIN_CAP_MS);
  }

  private report(exit: PtyExit): void {
    if (this.reported) return;
    this.flush(); // every byte read goes out before the exit
    this.reported = exit;
    this.clearDrainTimers();
    if (this.hangupRetry) clearTimeout(this.hangupRetry);
    if (this.writeRetry) clearTimeout(this.writeRetry);
    this.pendingWrite = null;
    // Reads and writes of the fd are synchronous, so none is in flight when the handle closes it.
    this.master.destroy();
    for (const cb of this.exitListeners.splice(0)) cb(exit);
  }

  private clearDrainTimers(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.capTimer) clearTimeout(this.capTimer);
    this.quietTimer = null;
    this.capTimer = null;
  }

  private flushWrites(): void {
    this.writeRetry = null;
    while (this.pendingWrite && !this.reported) {
      let written: number;
      try {
        written = writeSync(this.fd, this.pendingWrite);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.writeRetry ??= setTimeout(() => this.flushWrites(), WRITE_RETRY_MS);
        } else {
          // EIO: nobody holds the slave open any more, so the input has no reader.
          this.pendingWrite = null;
        }
        return;
      }
      this.pendingWrite = written < this.pendingWrite.length ? this.pendingWrite.subarray(written) : null;
    }
  }
}
