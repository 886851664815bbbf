// Feeds one run's log to a terminal: a quick tail read to start (never the whole file), live
// chunks appended in offset order, gaps read back, earlier ranges on request. Reads go one at
// a time, in order, so a rewrite never interleaves with an append. No DOM, no xterm here.
import { LogWindow } from './log-window';

export interface LogRead {
  offset: number;
  data: Uint8Array;
  totalBytes: number;
  live: boolean;
  pruned: boolean;
}

export type ReadRequest = { offset: number; length: number } | { tail: number };

/** Where the bytes go: the terminal. */
export interface LogSink {
  write(bytes: Uint8Array): void;
  /** Clears everything shown, before a rewrite. */
  clear(): void;
}

export interface LogFeedState {
  started: boolean;
  busy: boolean;
  pruned: boolean;
  /** First and past-last byte offsets shown. */
  start: number;
  end: number;
  totalBytes: number;
  atLiveEnd: boolean;
  error: string | null;
}

export const MAX_READ = 1 << 20;

export interface LogFeedOptions {
  tailBytes?: number;
  stepBytes?: number;
  maxWindowBytes?: number;
}

export class LogFeed {
  private readonly window: LogWindow;
  private readonly tailBytes: number;
  private readonly stepBytes: number;
  private queue: Promise<void> = Promise.resolve();
  /** Live chunks that arrived before the first read answered. */
  private early: [number, Uint8Array][] | null = [];
  private fillScheduled = false;
  private disposed = false;
  private readonly listeners = new Set<(state: LogFeedState) => void>();
  private current: LogFeedState = { started: false, busy: false, pruned: false, start: 0, end: 0, totalBytes: 0, atLiveEnd: true, error: null };

  constructor(
    private readonly read: (request: ReadRequest) => Promise<LogRead>,
    private readonly sink: LogSink,
    options: LogFeedOptions = {},
  ) {
    this.tailBytes = options.tailBytes ?? 256 * 1024;
    this.stepBytes = options.stepBytes ?? 256 * 1024;
    this.window = new LogWindow(options.maxWindowBytes ?? 1024 * 1024);
  }

  get state(): LogFeedState {
    return this.current;
  }

  onChange(listener: (state: LogFeedState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    return this.run(async () => {
      await this.loadTail();
      const early = this.early ?? [];
      this.early = null;
      for (const [offset, data] of early) this.applyChunk(offset, data);
      await this.fillGaps();
    });
  }

  /** A `run.output` chunk. */
  live(offset: number, data: Uint8Array): void {
    if (this.disposed) return;
    if (this.early) {
      this.early.push([offset, data]);
      return;
    }
    this.applyChunk(offset, data);
    if (this.window.gap(MAX_READ)) this.scheduleFill();
  }

  /** Reads whatever was written since the last byte shown (the run ended, the socket came back). */
  catchUp(): Promise<void> {
    return this.run(async () => {
      if (!this.current.started || this.current.pruned || !this.window.atLiveEnd) return;
      const r = await this.read({ offset: this.window.end, length: MAX_READ });
      this.window.noteTotal(r.totalBytes);
      this.applyChunk(r.offset, r.data);
      await this.fillGaps();
    });
  }

  loadEarlier(): Promise<void> {
    return this.run(async () => {
      const range = this.window.earlier(this.stepBytes);
      if (!range) return;
      const r = await this.read(range);
      if (this.disposed) return;
      this.window.noteTotal(r.totalBytes);
      this.window.prepend(r.offset, r.data);
      this.sink.clear();
      this.sink.write(this.window.snapshot());
      this.publish({ totalBytes: Math.max(this.current.totalBytes, r.totalBytes) });
    });
  }

  /** Back to the newest bytes; after "load earlier" pushed them out, that is a fresh tail read. */
  toLiveEnd(): Promise<void> {
    return this.run(async () => {
      if (this.window.atLiveEnd) return;
      await this.loadTail();
      await this.fillGaps();
    });
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  private async loadTail(): Promise<void> {
    const r = await this.read({ tail: this.tailBytes });
    if (this.disposed) return;
    if (r.pruned) {
      this.publish({ started: true, pruned: true, totalBytes: r.totalBytes });
      return;
    }
    const bytes = this.window.reset(r.offset, r.data, r.totalBytes);
    this.sink.clear();
    if (bytes.length) this.sink.write(bytes);
    this.publish({ started: true, totalBytes: r.totalBytes });
  }

  private applyChunk(offset: number, data: Uint8Array): void {
    if (this.current.pruned) return;
    for (const bytes of this.window.append(offset, data)) this.sink.write(bytes);
    this.publish({ totalBytes: Math.max(this.current.totalBytes, this.window.knownEnd) });
  }

  private scheduleFill(): void {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    void this.run(async () => {
      this.fillScheduled = false;
      await this.fillGaps();
    });
  }

  private async fillGaps(): Promise<void> {
    for (let gap = this.window.gap(MAX_READ); gap && !this.disposed; gap = this.window.gap(MAX_READ)) {
      const r = await this.read(gap);
      this.window.noteTotal(r.totalBytes);
      // Nothing came back: the bytes are not there (yet); stop rather than spin.
      if (r.data.length === 0 || r.offset + r.data.length <= gap.offset) break;
      this.applyChunk(r.offset, r.data);
    }
  }

  /** One operation at a time; a failure is shown and does not block the next one. */
  private run(op: () => Promise<void>): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.disposed) return;
      this.publish({ busy: true });
      try {
        await op();
        this.publish({ busy: false, error: null });
      } catch (err) {
        this.publish({ busy: false, error: err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err) });
      }
    });
    this.queue = next;
    return next;
  }

  private publish(patch: Partial<LogFeedState>): void {
    if (this.disposed) return;
    this.current = { ...this.current, ...patch, start: this.window.start, end: this.window.end, atLiveEnd: this.window.atLiveEnd };
    for (const listener of this.listeners) listener(this.current);
  }
}

/** The host sends bytes as base64: logs keep ANSI and may split UTF-8 sequences. */
export function decodeBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
