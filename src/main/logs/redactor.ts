// Masks secret values in a byte stream that may be split anywhere, including inside a secret.
//
// Output is defined as if the whole stream were redacted at once: every occurrence of every
// secret is found, occurrences that overlap are merged, and each merged span becomes one
// MASKED_SECRET. So overlapping secrets, or one secret being a prefix of another, leak nothing.
// Streaming only holds back the bytes a not-yet-complete occurrence could still cover: the
// longest suffix of the stream that is a prefix of some secret (at most longest - 1 bytes).
import { MASKED_SECRET } from '../../shared/domain';

const MIN_SECRET_CHARS = 4;
const MASK = Buffer.from(MASKED_SECRET, 'utf8');
const EMPTY = Buffer.alloc(0);

export class Redactor {
  readonly active: boolean;
  private readonly secrets: string[];
  private readonly needles: Needle[];
  private readonly hold: number;
  /** The last `hold` raw bytes (or fewer at the start): any occurrence not yet acted on lies inside. */
  private tail = EMPTY;
  /** Absolute stream positions. */
  private streamEnd = 0;
  private decided = 0;
  private coveredEnd = 0;

  constructor(secrets: string[]) {
    this.secrets = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_CHARS))];
    this.needles = this.secrets.map(toNeedle);
    this.active = this.needles.length > 0;
    this.hold = this.active ? Math.max(...this.needles.map((n) => n.bytes.length)) - 1 : 0;
  }

  transform(chunk: Buffer): Buffer {
    if (!this.active || chunk.length === 0) return chunk;
    const window = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const windowStart = this.streamEnd - this.tail.length;
    this.streamEnd += chunk.length;
    const out = this.emit(window, windowStart, this.streamEnd - this.pendingPrefix(window));
    const keep = Math.min(this.hold, window.length);
    // Copied so a caller's large chunk is not pinned by a few held bytes.
    this.tail = Buffer.from(window.subarray(window.length - keep));
    return out;
  }

  flush(): Buffer {
    if (!this.active || this.tail.length === 0) return EMPTY;
    const out = this.emit(this.tail, this.streamEnd - this.tail.length, this.streamEnd);
    this.tail = EMPTY;
    return out;
  }

  redactText(text: string): string {
    if (!this.active || text.length === 0) return text;
    const once = new Redactor(this.secrets);
    return Buffer.concat([once.transform(Buffer.from(text, 'utf8')), once.flush()]).toString('utf8');
  }

  /**
   * How many trailing bytes could still grow into a secret: the longest suffix of the window that
   * is a proper prefix of some secret. Only those wait for more output, so a prompt or a quiet
   * run's last line is shown at once instead of sitting behind a fixed hold-back.
   */
  private pendingPrefix(window: Buffer): number {
    let longest = 0;
    for (const { bytes } of this.needles) {
      for (let k = Math.min(bytes.length - 1, window.length); k > longest; k--) {
        if (window.compare(bytes, 0, k, window.length - k, window.length) === 0) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }

  /**
   * Decides every position below `safe`: copies raw bytes, or emits one mask per merged span.
   * A span whose start is already decided keeps growing with later overlapping occurrences.
   */
  private emit(window: Buffer, windowStart: number, safe: number): Buffer {
    const matches = this.find(window, windowStart);
    const parts: Buffer[] = [];
    let pos = this.decided;
    for (const [start, end] of matches) {
      if (start < this.coveredEnd) {
        this.coveredEnd = Math.max(this.coveredEnd, end);
        pos = Math.max(pos, this.coveredEnd);
        continue;
      }
      if (start >= safe) break;
      if (start > pos) parts.push(window.subarray(pos - windowStart, start - windowStart));
      parts.push(MASK);
      this.coveredEnd = end;
      pos = end;
    }
    if (pos < safe) {
      parts.push(window.subarray(pos - windowStart, safe - windowStart));
      pos = safe;
    }
    this.decided = Math.max(this.decided, pos);
    if (parts.length === 0) return EMPTY;
    // The shared MASK is never handed out itself: callers keep and may reuse what they get.
    return parts.length === 1 && parts[0] !== MASK ? parts[0] : Buffer.concat(parts);
  }

  /** Every occurrence of every secret in the window, merged per secret, as absolute [start, end) sorted by start. */
  private find(window: Buffer, windowStart: number): [number, number][] {
    const found: [number, number][] = [];
    for (const needle of this.needles) {
      for (const [start, end] of spansOf(window, needle)) found.push([windowStart + start, windowStart + end]);
    }
    if (this.needles.length > 1) found.sort((a, b) => a[0] - b[0]);
    return found;
  }
}

/**
 * Occurrences of one secret merged where they overlap. A self-overlapping secret ("abab", "aaaa")
 * repeated many times is extended byte by byte along its period instead of one search per
 * occurrence, so even a stream made of nothing but the secret stays linear.
 */
function spansOf(hay: Buffer, needle: Needle): [number, number][] {
  const { bytes, period } = needle;
  const len = bytes.length;
  const spans: [number, number][] = [];
  let i = hay.indexOf(bytes);
  while (i !== -1) {
    const start = i;
    let end = i + len;
    for (;;) {
      if (period < len) {
        let e = end;
        while (e < hay.length && hay[e] === hay[e - period]) e++;
        end += Math.floor((e - end) / period) * period;
      }
      i = hay.indexOf(bytes, end - len + 1);
      if (i === -1 || i >= end) break;
      end = i + len;
    }
    spans.push([start, end]);
  }
  return spans;
}

interface Needle {
  bytes: Buffer;
  /** Smallest shift at which the secret overlaps itself (its length when it never does). */
  period: number;
}

function toNeedle(secret: string): Needle {
  const bytes = Buffer.from(secret, 'utf8');
  // KMP failure function: the longest proper border gives the smallest period.
  const fail = new Int32Array(bytes.length);
  for (let q = 1, k = 0; q < bytes.length; q++) {
    while (k > 0 && bytes[q] !== bytes[k]) k = fail[k - 1];
    if (bytes[q] === bytes[k]) k++;
    fail[q] = k;
  }
  return { bytes, period: bytes.length - fail[bytes.length - 1] };
}
