// The bytes of one run log that the terminal shows: a contiguous range [start, end) of the
// file, bounded in size, plus live chunks that arrived ahead of a gap. Pure: no DOM, no xterm.

export interface ByteRange {
  offset: number;
  length: number;
}

const NEWLINE = 0x0a;
/** A partial first line longer than this is shown as is rather than dropped. */
const MAX_PARTIAL_LINE = 16 * 1024;

export class LogWindow {
  /** Offset of the first byte held. */
  start = 0;
  /** Offset just past the last byte held (the next live byte expected). */
  end = 0;
  /** The furthest offset known to exist: from live chunks and reads' totalBytes. */
  knownEnd = 0;
  /** False once loading earlier bytes pushed the newest ones out: live bytes stop following on. */
  atLiveEnd = true;
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Chunks beyond a gap, by offset; all start after `end`. */
  private readonly pending = new Map<number, Uint8Array>();
  private pendingBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxPendingBytes = 4 << 20,
  ) {}

  /** Starts over with `data` read at `offset` (a tail read); returns the bytes to show. */
  reset(offset: number, data: Uint8Array, totalBytes: number): Uint8Array {
    const skip = offset > 0 ? partialLineLength(data) : 0;
    this.chunks = skip < data.length ? [data.subarray(skip)] : [];
    this.size = data.length - skip;
    this.start = offset + skip;
    this.end = offset + data.length;
    this.knownEnd = Math.max(this.end, totalBytes);
    this.atLiveEnd = true;
    this.clearPending();
    this.trimFront();
    return this.snapshot();
  }

  /** A read's totalBytes: bytes up to there exist and may be missing here. */
  noteTotal(totalBytes: number): void {
    this.knownEnd = Math.max(this.knownEnd, totalBytes);
  }

  /**
   * Bytes at `offset` (live or read). Returns what became contiguous, in order, for the
   * terminal: overlaps are cut, chunks past a gap wait until the gap is filled.
   */
  append(offset: number, data: Uint8Array): Uint8Array[] {
    const chunkEnd = offset + data.length;
    this.knownEnd = Math.max(this.knownEnd, chunkEnd);
    if (!this.atLiveEnd || chunkEnd <= this.end || data.length === 0) return [];
    if (offset > this.end) {
      this.stash(offset, data);
      return [];
    }
    const out = [data.subarray(this.end - offset)];
    this.push(out[0]);
    for (;;) {
      const next = this.takePendingAtOrBefore(this.end);
      if (!next) break;
      const [at, bytes] = next;
      if (at + bytes.length <= this.end) continue;
      const fresh = bytes.subarray(this.end - at);
      this.push(fresh);
      out.push(fresh);
    }
    this.trimFront();
    return out;
  }

  /** The next missing range to read (at most `maxLength`), or null when nothing is missing. */
  gap(maxLength: number): ByteRange | null {
    if (!this.atLiveEnd || this.knownEnd <= this.end) return null;
    let until = this.knownEnd;
    for (const at of this.pending.keys()) until = Math.min(until, at);
    return { offset: this.end, length: Math.min(maxLength, until - this.end) };
  }

  /** The range just before the window, for "load earlier". */
  earlier(step: number): ByteRange | null {
    if (this.start === 0) return null;
    const from = Math.max(0, this.start - step);
    return { offset: from, length: this.start - from };
  }

  /** Adds bytes read before `start`. Over budget, the newest bytes go: the window leaves the live end. */
  prepend(offset: number, data: Uint8Array): void {
    const usable = data.subarray(0, Math.max(0, Math.min(data.length, this.start - offset)));
    if (offset + usable.length !== this.start || usable.length === 0) return;
    const skip = offset > 0 ? partialLineLength(usable) : 0;
    this.chunks.unshift(usable.subarray(skip));
    this.size += usable.length - skip;
    this.start = offset + skip;
    if (this.size <= this.maxBytes) return;
    const all = this.snapshot();
    let keep = this.maxBytes;
    const lastNewline = all.subarray(0, keep).lastIndexOf(NEWLINE);
    if (lastNewline > 0) keep = lastNewline + 1;
    this.chunks = [all.subarray(0, keep)];
    this.size = keep;
    this.end = this.start + keep;
    this.atLiveEnd = false;
    this.clearPending();
  }

  /** Every byte held, in order: what the terminal shows after a rewrite. */
  snapshot(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.chunks = out.length ? [out] : [];
    return out;
  }

  get heldBytes(): number {
    return this.size;
  }

  private push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.size += bytes.length;
    this.end += bytes.length;
  }

  /** Live output keeps coming: the oldest whole chunks go (the terminal's scrollback is bounded too). */
  private trimFront(): void {
    while (this.size > this.maxBytes && this.chunks.length > 1) {
      const dropped = this.chunks.shift()!;
      this.size -= dropped.length;
      this.start += dropped.length;
    }
  }

  private stash(offset: number, data: Uint8Array): void {
    const existing = this.pending.get(offset);
    if (existing && existing.length >= data.length) return;
    if (this.pendingBytes + data.length > this.maxPendingBytes) {
      // Too far ahead: drop them; knownEnd remembers they exist and the gap read fetches them.
      this.clearPending();
      return;
    }
    if (existing) this.pendingBytes -= existing.length;
    this.pending.set(offset, data);
    this.pendingBytes += data.length;
  }

  private takePendingAtOrBefore(offset: number): [number, Uint8Array] | null {
    let best: number | null = null;
    for (const at of this.pending.keys()) if (at <= offset && (best === null || at < best)) best = at;
    if (best === null) return null;
    const bytes = this.pending.get(best)!;
    this.pending.delete(best);
    this.pendingBytes -= bytes.length;
    return [best, bytes];
  }

  private clearPending(): void {
    this.pending.clear();
    this.pendingBytes = 0;
  }
}

/** A read that starts mid-file starts mid-line: drop that partial first line. */
function partialLineLength(data: Uint8Array): number {
  const nl = data.indexOf(NEWLINE);
  return nl === -1 || nl >= MAX_PARTIAL_LINE ? 0 : nl + 1;
}
