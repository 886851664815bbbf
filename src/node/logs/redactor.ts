// Masks secret values in a byte stream that may be split anywhere, including inside a secret.
//
// Each secret is looked for in every form it takes on its way out of an agent: as written, with
// the pty's CRLF line ends, JSON-escaped (as JSON.stringify writes it, as an ASCII-only encoder
// writes it, and escaped twice for JSON inside a JSON string), and with terminal escape
// sequences (CSI, ESC x, OSC/DCS strings) between its characters: those are skipped by the
// matcher, and the mask covers them. Text inside an OSC/DCS string (a window title, a
// hyperlink) is matched on its own too.
//
// Output is defined as if the whole stream were redacted at once: every occurrence of every
// form is found, occurrences that overlap are merged, and each merged span becomes one
// MASKED_SECRET. All forms are found in one pass (an Aho-Corasick automaton over bytes), so
// the cost does not grow with the number of secrets. Streaming only holds back the bytes a
// not-yet-complete occurrence could still cover (the longest partial match, escapes included);
// a chunk with nothing to mask and nothing held is returned as is, without a copy.
import { MASKED_SECRET } from '../../shared/domain';

const MIN_SECRET_CHARS = 4;
const MASK = Buffer.from(MASKED_SECRET, 'utf8');
const EMPTY = Buffer.alloc(0);
const ESC = 0x1b;
/**
 * Escape bytes tolerated inside one partial match. Past it the partial match is dropped, so a
 * flood of escapes cannot make the redactor hold output back without bound.
 */
const MAX_SKIPPED_ESCAPE_BYTES = 4096;
/** Up to this many distinct bytes that wake the matcher, native searches beat a loop over bytes. */
const MAX_NATIVE_WAKES = 4;

/** Escape parser states; TEXT means not inside an escape sequence. */
const TEXT = 0;
const AFTER_ESC = 1;
const CSI = 2;
const INTERMEDIATE = 3;
const STRING = 4;
const STRING_ESC = 5;

/** The forms a secret takes in output. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  forms.add(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  forms.add(JSON.stringify(json).slice(1, -1));
  for (const form of [...forms]) if (form.includes('\n')) forms.add(form.replace(/\r?\n/g, '\r\n'));
  return [...forms];
}

/** The compiled matcher: shared by every stream redacted for the same secrets. */
class Automaton {
  /** Byte -> input class (0: a byte no secret holds). */
  readonly classOf = new Uint8Array(256);
  readonly classes: number;
  /** Full transition table: next = delta[state * classes + class]. */
  readonly delta: Int32Array;
  /** 1 for a byte that leaves the root (or starts an escape): the only bytes the root stops at. */
  readonly wakes = new Uint8Array(256);
  /** The same bytes as a list, when they are few enough to look for natively (memchr) one by one. */
  readonly wakeList: number[] | null;
  /** Length of the prefix a state stands for. */
  readonly depth: Int32Array;
  /** Length of the longest form ending at a state (0: none). */
  readonly match: Int32Array;
  /** Longest form, in bytes. */
  readonly longest: number;
  /** False when a secret itself holds ESC: then escapes are content, not skipped. */
  readonly skipEscapes: boolean;

  constructor(needles: Buffer[]) {
    let classes = 1;
    for (const n of needles) for (const b of n) if (this.classOf[b] === 0) this.classOf[b] = classes++;
    this.classes = classes;
    this.skipEscapes = !needles.some((n) => n.includes(ESC));
    this.longest = Math.max(...needles.map((n) => n.length));
    // The trie, then failure links breadth-first, folded into a full transition table.
    const goto: Map<number, number>[] = [new Map()];
    const depth = [0];
    const terminal = [0];
    for (const n of needles) {
      let s = 0;
      for (const b of n) {
        const c = this.classOf[b];
        let next = goto[s].get(c);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          depth.push(depth[s] + 1);
          terminal.push(0);
          goto[s].set(c, next);
        }
        s = next;
      }
      terminal[s] = n.length;
    }
    const states = goto.length;
    this.delta = new Int32Array(states * classes);
    this.depth = Int32Array.from(depth);
    this.match = new Int32Array(states);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    for (let c = 0; c < classes; c++) {
      const next = goto[0].get(c);
      if (next !== undefined) {
        this.delta[c] = next;
        queue.push(next);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head];
      this.match[s] = terminal[s] || this.match[fail[s]];
      for (let c = 0; c < classes; c++) {
        const next = goto[s].get(c);
        if (next === undefined) {
          this.delta[s * classes + c] = this.delta[fail[s] * classes + c];
        } else {
          fail[next] = s === 0 ? 0 : this.delta[fail[s] * classes + c];
          this.delta[s * classes + c] = next;
          queue.push(next);
        }
      }
    }
    for (let b = 0; b < 256; b++) this.wakes[b] = this.delta[this.classOf[b]] !== 0 || (b === ESC && this.skipEscapes) ? 1 : 0;
    const list = [...this.wakes.keys()].filter((b) => this.wakes[b] === 1);
    this.wakeList = list.length <= MAX_NATIVE_WAKES ? list : null;
  }
}

export class Redactor {
  readonly active: boolean;
  private readonly secrets: string[];
  private readonly auto: Automaton | null;
  /** Stream positions of the bytes that moved the automaton off its root, the last `ring.length`. */
  private readonly ring: Float64Array;
  private readonly ringMask: number;
  private counted = 0;
  private state = 0;
  /** Escape parsing: where we are, the state of the matcher inside an OSC/DCS string. */
  private escape = TEXT;
  private stringState = 0;
  private skipped = 0;
  /** Absolute stream positions. */
  private streamEnd = 0;
  private decided = 0;
  private coveredEnd = 0;
  /** The undecided bytes [decided, streamEnd) of earlier chunks (a copy, at most a partial match). */
  private held = EMPTY;
  /** Found occurrences not yet acted on, as absolute [start, end). */
  private spans: [number, number][] = [];

  constructor(secrets: string[]) {
    this.secrets = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_CHARS))];
    this.active = this.secrets.length > 0;
    const needles = [...new Set(this.secrets.flatMap(secretForms))].map((f) => Buffer.from(f, 'utf8'));
    this.auto = this.active ? new Automaton(needles) : null;
    let size = 1;
    while (size <= (this.auto?.longest ?? 0)) size <<= 1;
    this.ring = new Float64Array(size);
    this.ringMask = size - 1;
  }

  transform(chunk: Buffer): Buffer {
    if (!this.auto || chunk.length === 0) return chunk;
    const chunkStart = this.streamEnd;
    this.scan(chunk, chunkStart);
    this.streamEnd += chunk.length;
    return this.emit(chunk, chunkStart, this.safePoint());
  }

  flush(): Buffer {
    if (!this.auto) return EMPTY;
    const out = this.emit(EMPTY, this.streamEnd, this.streamEnd);
    this.held = EMPTY;
    return out;
  }

  redactText(text: string): string {
    if (!this.active || text.length === 0) return text;
    const once = new Redactor(this.secrets);
    const out = Buffer.concat([once.transform(Buffer.from(text, 'utf8')), once.flush()]);
    return out.toString('utf8');
  }

  /**
   * Redacts a JSON document's text and parses it. Should a mask land inside an escape of the
   * document (a secret starting with `n` after a `\`), the document is parsed first and every
   * string in it redacted instead, so the result is always valid.
   */
  redactJson(json: string): unknown {
    if (!this.active) return JSON.parse(json);
    try {
      return JSON.parse(this.redactText(json));
    } catch {
      return this.redactValue(JSON.parse(json));
    }
  }

  /** Every string (and key) of a JSON-like value redacted. */
  redactValue(value: unknown): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redactText(k)] = this.redactValue(v);
      return out;
    }
    return value;
  }

  /** Runs the automaton over the chunk, recording every occurrence that ends in it. */
  private scan(chunk: Buffer, base: number): void {
    const { classOf, classes, delta, match, depth, skipEscapes, wakes, wakeList } = this.auto!;
    const next = wakeList ? wakeList.map(() => -1) : null;
    const ring = this.ring;
    const ringMask = this.ringMask;
    let state = this.state;
    let counted = this.counted;
    let escape = this.escape;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      // Most output never leaves the root: skip it in a tight loop.
      if (state === 0 && escape === TEXT) {
        if (next) {
          let at = n;
          for (let k = 0; k < next.length; k++) {
            if (next[k] < i) {
              const found = chunk.indexOf(wakeList![k], i);
              next[k] = found === -1 ? n : found;
            }
            if (next[k] < at) at = next[k];
          }
          i = at;
        } else {
          while (i < n && wakes[chunk[i]] === 0) i++;
        }
        if (i === n) break;
      }
      const b = chunk[i];
      if (escape !== TEXT) {
        const consumed = this.escapeByte(b, escape, base + i);
        escape = this.escape;
        if (consumed) {
          if (state !== 0 && ++this.skipped > MAX_SKIPPED_ESCAPE_BYTES) state = 0;
          continue;
        }
      }
      if (b === ESC && skipEscapes) {
        escape = this.escape = AFTER_ESC;
        if (state !== 0 && ++this.skipped > MAX_SKIPPED_ESCAPE_BYTES) state = 0;
        continue;
      }
      state = delta[state * classes + classOf[b]];
      if (state === 0) continue;
      if (depth[state] === 1) this.skipped = 0;
      ring[counted & ringMask] = base + i;
      counted++;
      const len = match[state];
      if (len !== 0) this.addSpan(ring[(counted - len) & ringMask], base + i + 1);
    }
    this.state = state;
    this.counted = counted;
  }

  /**
   * One byte while inside an escape sequence. Returns false when the byte ended the sequence
   * without belonging to it (a control or a non-ASCII byte): it is then ordinary output.
   */
  private escapeByte(b: number, escape: number, pos: number): boolean {
    switch (escape) {
      case AFTER_ESC:
        if (b === 0x5b) this.escape = CSI;
        else if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) {
          this.escape = STRING;
          this.stringState = 0;
        } else if (b === ESC) this.escape = AFTER_ESC;
        else if (b >= 0x20 && b <= 0x2f) this.escape = INTERMEDIATE;
        else if (b >= 0x30 && b <= 0x7e) this.escape = TEXT;
        else {
          this.escape = TEXT;
          return false;
        }
        return true;
      case CSI:
        if (b >= 0x20 && b <= 0x3f) return true;
        this.escape = TEXT;
        return b >= 0x40 && b <= 0x7e;
      case INTERMEDIATE:
        if (b >= 0x20 && b <= 0x2f) return true;
        this.escape = TEXT;
        return b >= 0x30 && b <= 0x7e;
      case STRING:
        if (b === 0x07) this.escape = TEXT;
        else if (b === ESC) this.escape = STRING_ESC;
        else this.stringByte(b, pos);
        return true;
      default: // STRING_ESC: ESC \ ends the string; any other ESC starts a new sequence
        if (b === 0x5c) {
          this.escape = TEXT;
          return true;
        }
        return this.escapeByte(b, AFTER_ESC, pos);
    }
  }

  /** Text inside an OSC/DCS string is matched too, on its own: it may be a title or a link. */
  private stringByte(b: number, pos: number): void {
    const { classOf, classes, delta, match } = this.auto!;
    this.stringState = delta[this.stringState * classes + classOf[b]];
    const len = match[this.stringState];
    if (len !== 0) this.addSpan(pos + 1 - len, pos + 1);
  }

  /**
   * Occurrences arrive in order of their end, so keeping the list merged (overlaps joined, one
   * containing another replaced) needs only the last entry, and a stream made of nothing but a
   * self-overlapping secret stays one span.
   */
  private addSpan(start: number, end: number): void {
    const spans = this.spans;
    for (;;) {
      const last = spans[spans.length - 1];
      if (last === undefined || start >= last[1]) break;
      if (start > last[0]) {
        last[1] = end;
        return;
      }
      spans.pop();
    }
    spans.push([start, end]);
  }

  /** Where the undecided part of the stream begins: the start of the longest partial match. */
  private safePoint(): number {
    const { depth } = this.auto!;
    let safe = this.streamEnd;
    if (this.state !== 0) safe = this.ring[(this.counted - depth[this.state]) & this.ringMask];
    if ((this.escape === STRING || this.escape === STRING_ESC) && this.stringState !== 0) {
      // The string's partial match is contiguous and ends at the last string byte.
      const end = this.escape === STRING ? this.streamEnd : this.streamEnd - 1;
      safe = Math.min(safe, end - depth[this.stringState]);
    }
    return safe;
  }

  /**
   * Decides every position below `safe`: copies raw bytes, or emits one mask per merged span.
   * A span whose start is already decided keeps growing with later overlapping occurrences.
   */
  private emit(chunk: Buffer, chunkStart: number, safe: number): Buffer {
    const spans = this.spans;
    const parts: Buffer[] = [];
    let pos = this.decided;
    let used = 0;
    for (; used < spans.length; used++) {
      const [start, end] = spans[used];
      if (start < this.coveredEnd) {
        this.coveredEnd = Math.max(this.coveredEnd, end);
        pos = Math.max(pos, this.coveredEnd);
        continue;
      }
      if (start >= safe) break;
      if (start > pos) this.bytes(pos, start, chunk, chunkStart, parts);
      parts.push(MASK);
      this.coveredEnd = end;
      pos = end;
    }
    if (used > 0) this.spans = spans.slice(used);
    if (pos < safe) {
      this.bytes(pos, safe, chunk, chunkStart, parts);
      pos = safe;
    }
    this.decided = Math.max(this.decided, pos);
    // Keep what is still undecided; only a partial match's few bytes, copied so a caller's large
    // chunk is not pinned by them.
    const undecided: Buffer[] = [];
    if (this.decided < this.streamEnd) this.bytes(this.decided, this.streamEnd, chunk, chunkStart, undecided);
    this.held = undecided.length === 0 ? EMPTY : Buffer.from(undecided.length === 1 ? undecided[0] : Buffer.concat(undecided));
    if (parts.length === 0) return EMPTY;
    // The shared MASK is never handed out itself: callers keep and may reuse what they get.
    return parts.length === 1 && parts[0] !== MASK ? parts[0] : Buffer.concat(parts);
  }

  /** The raw bytes [from, to) of the stream, from the held bytes and the current chunk. */
  private bytes(from: number, to: number, chunk: Buffer, chunkStart: number, parts: Buffer[]): void {
    const heldStart = chunkStart - this.held.length;
    if (from < chunkStart) parts.push(this.held.subarray(from - heldStart, Math.min(to, chunkStart) - heldStart));
    if (to > chunkStart) parts.push(chunk.subarray(Math.max(from, chunkStart) - chunkStart, to - chunkStart));
  }
}
