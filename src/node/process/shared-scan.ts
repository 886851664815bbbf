// One asynchronous read of the process table serves every caller that asked before it started:
// 50 runs ending together cost a few scans of /proc, off the event loop, instead of 50
// synchronous ones on it. Each caller gets a scan that STARTED after it asked (or after the
// moment it names), so nothing a caller is looking for can predate the table it gets: callers
// that arrive while a scan runs share the next one, which starts when that one ends. Results
// are shared, attempts are not: a scan that failed is forgotten at once.
import { scanProcessesAsync, type ProcessTable } from './process-table';

export interface SharedScanOptions {
  /**
   * A scan that started at or after this moment (performance.now()) will do; default: the
   * moment of the call. A caller that knows an earlier moment suffices (e.g. when it learned
   * its run ended) may name it, and be answered by a scan already under way or just finished.
   */
  startedAfter?: number;
}

export type SharedScan<T> = (opts?: SharedScanOptions) => Promise<T>;

interface Scan<T> {
  startedAt: number;
  result: Promise<T>;
}

/** Shares `scan` among concurrent callers (exported for tests; the process table's is below). */
export function createSharedScan<T>(scan: () => Promise<T>, now: () => number = () => performance.now()): SharedScan<T> {
  /** The newest scan started (running or done; forgotten if it failed). */
  let latest: Scan<T> | null = null;
  let running = false;
  /** The scan callers wait for while one runs: it starts when that one settles. */
  let next: Promise<T> | null = null;

  const start = (): Scan<T> => {
    // It reads once this turn's synchronous code is done: callers later in the same turn asked
    // before it started, and share it (startedAt is when it really starts).
    const current: Scan<T> = {
      startedAt: Infinity,
      result: Promise.resolve().then(() => {
        current.startedAt = now();
        return scan();
      }),
    };
    latest = current;
    running = true;
    const settled = () => {
      running = false;
    };
    current.result.then(settled, () => {
      settled();
      if (latest === current) latest = null;
    });
    return current;
  };

  return (opts = {}) => {
    const oldestUsable = opts.startedAfter ?? now();
    if (latest && latest.startedAt >= oldestUsable) return latest.result;
    if (!running) return start().result;
    next ??= latest!.result
      .catch(() => undefined)
      .then(() => {
        next = null;
        return start().result;
      });
    return next;
  };
}

/** The process table, read asynchronously and shared (see above). */
export const sharedProcessTable: SharedScan<ProcessTable> = createSharedScan(scanProcessesAsync);
