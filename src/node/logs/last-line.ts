// The one-line "what is it doing now" shown next to a running run. Terminal output is full of
// colour codes, cursor moves and \r-redrawn progress bars, so each line is read roughly the way
// a terminal would show it. \n and \r also end any escape sequence, which makes the pieces
// between them independent: a big chunk is read from its end, and only as far back as the last
// visible text, so the tracker costs little on the pty's hot path.
import { StringDecoder } from 'node:string_decoder';

type State = 'text' | 'esc' | 'escIntermediate' | 'csi' | 'string' | 'stringEsc';
const LF = 0x0a;
/** C0 and C1 controls and DEL: everything that is not plain text. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/** One line's visible text (at most maxChars), fed in pieces that hold no newline. */
class LineScanner {
  private state: State = 'text';
  private line = '';
  /** A \r was seen: the next text starts the line over. */
  private carriageReturn = false;
  /** Text was added since the last restart(). */
  private touched = false;
  private probes: [LineScanner, LineScanner] | null = null;

  constructor(private readonly maxChars: number) {}

  visible(): string {
    return this.line.trim();
  }

  reset(): void {
    this.restart();
    this.line = '';
    this.carriageReturn = false;
  }

  feed(s: string): void {
    const lastCr = s.lastIndexOf('\r');
    if (lastCr === -1) {
      this.scan(s, 0, s.length);
      return;
    }
    // Whatever follows the last \r decides the escape state; the line is the last \r-piece
    // holding any text, so pieces are tried from the end and the rest is never scanned.
    this.probes ??= [new LineScanner(this.maxChars), new LineScanner(this.maxChars)];
    const [tail, probe] = this.probes;
    tail.restart();
    tail.scan(s, lastCr + 1, s.length);
    let winner = tail.touched ? tail : null;
    for (let end = lastCr; !winner && end > 0; ) {
      const start = s.lastIndexOf('\r', end - 1);
      if (start === -1) {
        this.scan(s, 0, end);
        break;
      }
      probe.restart();
      probe.scan(s, start + 1, end);
      if (probe.touched) winner = probe;
      end = start;
    }
    if (winner) this.line = winner.line;
    this.state = tail.state;
    this.carriageReturn = !tail.touched;
  }

  /** Back to the start of a \r-piece: escape sequences end, the next text replaces the line. */
  private restart(): void {
    this.state = 'text';
    this.carriageReturn = true;
    this.touched = false;
  }

  /** Reads s[from, to), which holds no \r or \n. */
  private scan(s: string, from: number, to: number): void {
    let i = from;
    while (i < to) {
      if (this.state === 'text') {
        // Jump over plain text natively: a per-character loop is the slow part on long lines.
        CONTROL.lastIndex = i;
        const next = CONTROL.exec(s)?.index ?? to;
        const stop = Math.min(next, to);
        if (stop > i) this.addText(s.slice(i, stop));
        if (stop === to) return;
        this.control(s.charCodeAt(stop));
        i = stop + 1;
        continue;
      }
      const c = s.charCodeAt(i++);
      if (this.state === 'esc') {
        this.escape(c);
      } else if (this.state === 'escIntermediate') {
        if (c >= 0x30 && c <= 0x7e) this.state = 'text';
      } else if (this.state === 'csi') {
        if (c >= 0x40 && c <= 0x7e) this.state = 'text';
      } else if (this.state === 'string') {
        if (c === 0x07) this.state = 'text';
        else if (c === 0x1b) this.state = 'stringEsc';
      } else if (c === 0x5c) {
        this.state = 'text'; // ESC \ ends the string
      } else {
        this.escape(c); // any other ESC starts a new sequence, as in a terminal
      }
    }
  }

  private addText(text: string): void {
    this.touched = true;
    if (this.carriageReturn) {
      this.line = '';
      this.carriageReturn = false;
    }
    const room = this.maxChars - this.line.length;
    if (room > 0) this.line += text.length > room ? text.slice(0, room) : text;
  }

  private control(c: number): void {
    if (c === 0x09) this.addText(' ');
    else if (c === 0x08 && !this.carriageReturn) this.line = this.line.slice(0, -1);
    else if (c === 0x1b) this.state = 'esc';
    else if (c === 0x9b) this.state = 'csi';
    else if (c === 0x9d) this.state = 'string';
  }

  private escape(c: number): void {
    if (c === 0x5b) this.state = 'csi';
    else if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) this.state = 'string';
    else if (c >= 0x20 && c <= 0x2f) this.state = 'escIntermediate';
    else this.state = 'text';
  }
}

/**
 * Tracks the last non-empty line of terminal output (ANSI escapes stripped, \r handled as a
 * terminal would: text after the last \r of a line wins), bounded memory, for
 * RunDto.lastOutputLine. `redact` sees the line once its escapes are stripped and its pieces
 * joined: a secret only a terminal would put together (backspaces, \r-redraws) is masked too.
 */
export function createLastLineTracker(
  maxChars = 500,
  redact: (text: string) => string = (text) => text,
): { push(chunk: Buffer): void; get(): string | null } {
  const decoder = new StringDecoder('utf8');
  const current = new LineScanner(maxChars);
  const scratch = new LineScanner(maxChars);
  let lastFinished: string | null = null;

  const finish = (text: string) => {
    if (text) lastFinished = text;
  };

  const push = (chunk: Buffer) => {
    const first = chunk.indexOf(LF);
    if (first === -1) {
      current.feed(decoder.write(chunk));
      return;
    }
    // end() also drops a UTF-8 sequence the newline cut short, and readies the decoder for reuse.
    current.feed(decoder.write(chunk.subarray(0, first)) + decoder.end());
    finish(current.visible());
    current.reset();
    const last = chunk.lastIndexOf(LF);
    // Only the last non-empty line between the first and last newline can matter.
    for (let end = last; end > first; ) {
      const start = chunk.lastIndexOf(LF, end - 1);
      scratch.reset();
      scratch.feed(chunk.toString('utf8', start + 1, end));
      const text = scratch.visible();
      if (text) {
        lastFinished = text;
        break;
      }
      end = start;
    }
    current.feed(decoder.write(chunk.subarray(last + 1)));
  };

  let seen: string | null = null;
  let shown: string | null = null;
  const get = () => {
    const line = current.visible() || lastFinished;
    if (line !== seen) {
      seen = line;
      shown = line === null ? null : redact(line);
    }
    return shown;
  };

  return { push, get };
}
