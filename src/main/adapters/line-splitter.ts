// Cuts a pty byte stream into lines with bounded memory. Splitting happens on bytes, before any
// decoding: 0x0A never occurs inside a multi-byte UTF-8 sequence, so a line that is complete is
// always decodable however the chunks were cut.

/** A line longer than this (its \r included) is dropped up to its newline instead of being buffered. */
export const MAX_LINE_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** A line is buf[start, end): handing out offsets instead of slices keeps the per-line cost low. */
export type LineHandler = (buf: Buffer, start: number, end: number) => void;

export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** The current line outgrew the cap: discard everything up to its newline. */
  private skipping = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** Bytes held for the current unfinished line (never more than the cap). */
  get bufferedBytes(): number {
    return this.partBytes;
  }

  /** Calls onLine for each complete line in chunk, without its \n or \r\n. */
  push(chunk: Buffer, onLine: LineHandler): void {
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl !== -1; nl = chunk.indexOf(LF, start)) {
      this.finishLine(chunk, start, nl, onLine);
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** The stream ended: a last line without a newline still counts. */
  end(onLine: LineHandler): void {
    if (this.partBytes > 0) this.finishLine(Buffer.alloc(0), 0, 0, onLine);
    this.reset();
  }

  private finishLine(chunk: Buffer, start: number, end: number, onLine: LineHandler): void {
    const length = this.partBytes + end - start;
    if (this.skipping || length > this.maxLineBytes) {
      this.reset();
      return;
    }
    let buf = chunk;
    if (this.partBytes > 0) {
      buf = Buffer.concat([...this.parts, chunk.subarray(start, end)], length);
      start = 0;
      end = length;
    }
    this.reset();
    if (end > start && buf[end - 1] === CR) end--;
    onLine(buf, start, end);
  }

  private keep(piece: Buffer): void {
    if (this.skipping) return;
    if (this.partBytes + piece.length > this.maxLineBytes) {
      this.parts = [];
      this.partBytes = 0;
      this.skipping = true;
      return;
    }
    // Copied: the caller may reuse the chunk's memory after push returns.
    this.parts.push(Buffer.from(piece));
    this.partBytes += piece.length;
  }

  private reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
  }
}
