// Live output reaches clients as one event per interval instead of one per pty read: a busy
// agent can produce thousands of reads a second, and every event crosses IPC as base64. With
// nobody listening, chunks are dropped on arrival: no copy, no timer, no encoding (the log on
// disk has every byte; a client that arrives reads it there and follows from the next chunk).

export interface OutputBatcher {
  push(offset: number, data: Buffer): void;
  /** Emits what is pending now. */
  flush(): void;
  /** Flushes and stops; later pushes are ignored. */
  close(): void;
}

/** Coalesces live chunks into one event per interval (default 50 ms) or per maxBytes (default 256 KiB), preserving order and offsets: consecutive chunks merge into one {offset, data}. */
export function createOutputBatcher(opts: {
  intervalMs?: number;
  maxBytes?: number;
  emit: (offset: number, data: Buffer) => void;
  /** Whether anyone would receive an emit now (default: always). */
  listening?: () => boolean;
}): OutputBatcher {
  const listening = opts.listening ?? (() => true);
  const intervalMs = opts.intervalMs ?? 50;
  const maxBytes = Math.max(1, opts.maxBytes ?? 256 << 10);
  let parts: Buffer[] = [];
  let start = 0;
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pendingBytes === 0) return;
    const pending = parts;
    const bytes = pendingBytes;
    const offset = start;
    parts = [];
    pendingBytes = 0;
    // The last listener may have left while the batch waited.
    if (!listening()) return;
    opts.emit(offset, pending.length === 1 ? pending[0] : Buffer.concat(pending, bytes));
  };

  const push = (offset: number, data: Buffer) => {
    if (closed || data.length === 0) return;
    if (!listening()) {
      if (pendingBytes > 0) flush();
      return;
    }
    // A gap (or a restart) in offsets cannot merge: the pending batch goes out first.
    if (pendingBytes > 0 && offset !== start + pendingBytes) flush();
    let at = 0;
    while (at < data.length) {
      if (pendingBytes === 0) start = offset + at;
      const piece = data.subarray(at, at + maxBytes - pendingBytes);
      parts.push(piece);
      pendingBytes += piece.length;
      at += piece.length;
      if (pendingBytes >= maxBytes) flush();
    }
    if (pendingBytes > 0 && !timer) timer = setTimeout(flush, intervalMs);
  };

  return {
    push,
    flush,
    close() {
      flush();
      closed = true;
    },
  };
}
