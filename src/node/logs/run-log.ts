// Run logs: one append-only file per run, holding exactly the (redacted) bytes the pty produced.
//
// The writer sits on the pty's data path, so append() only queues: a single in-flight writev per
// file drains the whole queue at once (coalescing any number of small chunks), and the sha256 is
// computed incrementally, so close() never re-reads the file.
// Reads of a live log see every accepted byte: what has landed comes from the file, the rest from
// the writer's queue, so an offset taken from a live event can always be read back.
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redactor } from './redactor';

export interface LogReadOptions {
  offset?: number;
  length?: number;
  /** The last N bytes instead of from `offset`. */
  tail?: number;
}

export interface LogSlice {
  offset: number;
  data: Buffer;
  totalBytes: number;
}

export interface RunLogWriter {
  readonly path: string;
  /** Bytes accepted so far (after redaction) = offset of the next chunk. */
  readonly bytes: number;
  /**
   * Appends (after redaction). Returns the offset the redacted bytes start at and the bytes themselves (for the live event). Never blocks.
   * The chunk is queued without a copy: the caller must not reuse its memory (node-pty never does).
   */
  append(chunk: Buffer): { offset: number; data: Buffer };
  /**
   * Ends the stream: returns the redactor's held-back tail as the last chunk, so the live view
   * gets it too. Later appends are ignored. close() calls it when it was not called.
   */
  end(): { offset: number; data: Buffer };
  /** True while more than highWaterMark bytes are queued for disk. */
  readonly needsDrain: boolean;
  /** Called each time the queue falls back to highWaterMark or below after needsDrain was true. */
  onDrain(cb: () => void): void;
  /** A write failed (ENOSPC, EIO...): called once; later appends are ignored. */
  onError(cb: (err: Error) => void): void;
  /** Flushes the redactor tail and the queue, fsyncs; bytes and sha256 are those of the file. */
  close(): Promise<{ bytes: number; sha256: string }>;
}

/** A run log could not be written; `code` is the system error code (ENOSPC, EIO, EACCES...). */
export class LogWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Could not write the run log ${path}: ${code === 'ENOSPC' ? `the disk is full (${detail})` : detail}`, { cause });
    this.name = 'LogWriteError';
    this.code = code;
  }
}

const DEFAULT_HIGH_WATER_MARK = 4 << 20;
export const MAX_LOG_READ = 1 << 20;
const EMPTY = Buffer.alloc(0);
const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** What a live log holds: `durable` bytes in the file, then `pending` (queued, in order). */
interface LiveSnapshot {
  durable: number;
  pending: Buffer[];
}

class FileRunLogWriter implements RunLogWriter {
  private accepted = 0;
  private written = 0;
  /** Not yet on disk, in order; `inflight` is the batch the current writev is writing. */
  private queue: Buffer[] = [];
  private inflight: Buffer[] = [];
  private queuedBytes = 0;
  private wasAboveMark = false;
  private pumping = false;
  private ended = false;
  private failure: LogWriteError | null = null;
  private closing: Promise<{ bytes: number; sha256: string }> | null = null;
  private hash = createHash('sha256');
  private readonly drainListeners: (() => void)[] = [];
  private readonly errorListeners: ((err: Error) => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly file: Promise<FileHandle>;

  constructor(
    readonly path: string,
    private readonly redactor: Redactor,
    private readonly highWaterMark: number,
    dirReady: () => Promise<void>,
    private readonly released: () => void,
  ) {
    this.file = dirReady().then(() => open(path, 'w', 0o600));
    this.file.catch((err: unknown) => this.fail(err));
  }

  get bytes(): number {
    return this.accepted;
  }

  get needsDrain(): boolean {
    return this.queuedBytes > this.highWaterMark;
  }

  append(chunk: Buffer): { offset: number; data: Buffer } {
    if (this.ended || this.failure) return { offset: this.accepted, data: EMPTY };
    return this.enqueue(this.redactor.transform(chunk));
  }

  end(): { offset: number; data: Buffer } {
    if (this.ended || this.failure) return { offset: this.accepted, data: EMPTY };
    const last = this.enqueue(this.redactor.flush());
    this.ended = true;
    return last;
  }

  onDrain(cb: () => void): void {
    this.drainListeners.push(cb);
  }

  onError(cb: (err: Error) => void): void {
    this.errorListeners.push(cb);
    const failure = this.failure;
    if (failure) queueMicrotask(() => cb(failure));
  }

  close(): Promise<{ bytes: number; sha256: string }> {
    this.closing ??= this.finish();
    return this.closing;
  }

  snapshot(): LiveSnapshot {
    return { durable: this.written, pending: [...this.inflight, ...this.queue] };
  }

  private enqueue(data: Buffer): { offset: number; data: Buffer } {
    const offset = this.accepted;
    if (data.length === 0) return { offset, data };
    this.accepted += data.length;
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (this.needsDrain) this.wasAboveMark = true;
    if (!this.pumping) void this.pump();
    return { offset, data };
  }

  /**
   * The single writer loop: one writev in flight, taking everything queued so far. The batch is
   * hashed while the write runs on the thread pool; a short write rewinds the hash to the bytes
   * that actually landed, so the hash always describes the file.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    let hashBefore: Hash | null = null;
    try {
      const fh = await this.file;
      while (this.queue.length > 0 && !this.failure) {
        const batch = this.queue;
        this.queue = [];
        this.inflight = batch;
        const writing = fh.writev(batch, this.written);
        hashBefore = this.hash.copy();
        for (const buf of batch) this.hash.update(buf);
        const { bytesWritten } = await writing;
        this.inflight = [];
        this.landed(batch, bytesWritten, hashBefore);
        hashBefore = null;
      }
    } catch (err) {
      if (hashBefore) this.hash = hashBefore;
      this.fail(err);
    } finally {
      this.pumping = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Accounts for a (possibly short) write; an unwritten remainder goes back to the queue's front. */
  private landed(batch: Buffer[], bytesWritten: number, hashBefore: Hash): void {
    const total = batch.reduce((n, b) => n + b.length, 0);
    if (bytesWritten < total) {
      // The disk stopped taking bytes; retrying the remainder reports why (ENOSPC...).
      if (bytesWritten === 0) throw Object.assign(new Error('the disk accepted no bytes'), { code: 'EIO' });
      this.hash = hashBefore;
      let left = bytesWritten;
      let i = 0;
      for (; left >= batch[i].length; i++) {
        this.hash.update(batch[i]);
        left -= batch[i].length;
      }
      this.hash.update(batch[i].subarray(0, left));
      this.queue = [batch[i].subarray(left), ...batch.slice(i + 1), ...this.queue];
    }
    this.written += bytesWritten;
    this.queuedBytes -= bytesWritten;
    this.checkDrained();
  }

  private checkDrained(): void {
    if (!this.wasAboveMark || this.needsDrain) return;
    this.wasAboveMark = false;
    for (const cb of this.drainListeners) cb();
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    const failure = new LogWriteError(this.path, err);
    this.failure = failure;
    this.queue = [];
    this.inflight = [];
    this.queuedBytes = 0;
    // Whoever paused its source for back-pressure must not wait forever.
    this.checkDrained();
    for (const cb of this.errorListeners) cb(failure);
  }

  private idle(): Promise<void> {
    if (!this.pumping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async finish(): Promise<{ bytes: number; sha256: string }> {
    this.end();
    await this.idle();
    try {
      const fh = await this.file.catch(() => null); // a failed open was recorded as this.failure when it happened
      if (fh) {
        try {
          if (!this.failure) await fh.sync();
        } catch (err) {
          this.fail(err);
        }
        await fh.close().catch((err: unknown) => this.fail(err));
      }
      return { bytes: this.written, sha256: this.hash.digest('hex') };
    } finally {
      this.released();
    }
  }
}

export class RunLogStore {
  private readonly live = new Map<string, FileRunLogWriter>();
  private dirReady: Promise<void> | null = null;

  constructor(private readonly dir: string) {}

  create(runId: string, redactor: Redactor, opts: { highWaterMark?: number } = {}): RunLogWriter {
    const path = this.pathOf(runId);
    if (this.live.has(runId)) throw new Error(`The log of run ${runId} is already being written`);
    const writer = new FileRunLogWriter(
      path,
      redactor,
      opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      () => this.ensureDir(),
      () => {
        if (this.live.get(runId) === writer) this.live.delete(runId);
      },
    );
    this.live.set(runId, writer);
    return writer;
  }

  async read(runId: string, opts: LogReadOptions): Promise<LogSlice> {
    const empty: LogSlice = { offset: 0, data: EMPTY, totalBytes: 0 };
    if (!RUN_ID_RE.test(runId)) return empty;
    const live = this.live.get(runId)?.snapshot();
    const fh = await open(this.pathOf(runId), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    try {
      if (!fh && !live) return empty;
      const durable = live ? live.durable : (await fh!.stat()).size;
      const total = durable + (live ? live.pending.reduce((n, b) => n + b.length, 0) : 0);
      const { start, length } = rangeOf(opts, total);
      const data = Buffer.allocUnsafe(length);
      const fromFile = Math.max(0, Math.min(start + length, durable) - start);
      const got = fh && fromFile > 0 ? await readFully(fh, data, fromFile, start) : 0;
      if (got < fromFile) return { offset: start, data: data.subarray(0, got), totalBytes: total };
      if (live) copyPending(live, start + fromFile, data.subarray(fromFile));
      return { offset: start, data, totalBytes: total };
    } finally {
      await fh?.close();
    }
  }

  async size(runId: string): Promise<number | null> {
    if (!RUN_ID_RE.test(runId)) return null;
    const live = this.live.get(runId)?.snapshot();
    if (live) return live.durable + live.pending.reduce((n, b) => n + b.length, 0);
    const st = await stat(this.pathOf(runId)).catch(missingAsNull);
    return st ? st.size : null;
  }

  async remove(runId: string): Promise<number> {
    if (!RUN_ID_RE.test(runId)) return 0;
    if (this.live.has(runId)) throw new Error(`The log of run ${runId} is still being written`);
    const path = this.pathOf(runId);
    const st = await stat(path).catch(missingAsNull);
    if (!st) return 0;
    const removed = await unlink(path).then(() => true, missingAsNull);
    return removed ? st.size : 0;
  }

  pathOf(runId: string): string {
    // The id becomes a file name: nothing that could leave the logs folder.
    if (!RUN_ID_RE.test(runId)) throw new Error(`Not a valid run id for a log file: ${JSON.stringify(runId)}`);
    return join(this.dir, `${runId}.log`);
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (err: unknown) => {
        this.dirReady = null;
        throw err;
      },
    );
    return this.dirReady;
  }
}

function rangeOf(opts: LogReadOptions, total: number): { start: number; length: number } {
  if (opts.tail !== undefined) {
    const length = Math.min(Math.max(0, Math.floor(opts.tail)), MAX_LOG_READ, total);
    return { start: total - length, length };
  }
  const start = Math.min(Math.max(0, Math.floor(opts.offset ?? 0)), total);
  const length = Math.min(Math.max(0, Math.floor(opts.length ?? MAX_LOG_READ)), MAX_LOG_READ, total - start);
  return { start, length };
}

async function readFully(fh: FileHandle, into: Buffer, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(into, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Copies the queued bytes from absolute offset `from` into `into`. */
function copyPending(live: LiveSnapshot, from: number, into: Buffer): void {
  let at = live.durable;
  let filled = 0;
  for (const buf of live.pending) {
    if (filled >= into.length) break;
    const end = at + buf.length;
    if (end > from) filled += buf.copy(into, filled, Math.max(0, from - at));
    at = end;
  }
}

function missingAsNull(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT') return null;
  throw err;
}
