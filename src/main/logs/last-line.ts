// The one-line "what is it doing now" shown next to a running run. Terminal output is full of
// colour codes, cursor moves and \r-redrawn progress bars, so each line is read roughly the way
// a terminal would show it. A newline also ends any escape sequence, which makes lines
// independent: a big chunk only needs its last visible line scanned, found from the end, so the
// tracker costs little on the pty's hot path.
import { StringDecoder } from 'node:string_decoder';

type State = 'text' | 'esc' | 'escIntermediate' | 'csi' | 'string' | 'stringEsc';
const LF = 0x0a;

/** One line's visible text (at most maxChars), fed in pieces that contain no newline. */
class LineScanner {
  private state: State = 'text';
  private line = '';
  /** A \r was seen: the next text starts the line over. */
  private carriageReturn = false;

  constructor(private readonly maxChars: number) {}

  visible(): string {
    return this.line.trim();
  }

  reset(): void {
    this.state = 'text';
    this.line = '';
    this.carriageReturn = false;
  }

  feed(s: string): void {
    let runStart = -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.state === 'text') {
        if (c >= 0x20 && c !== 0x7f && (c < 0x80 || c > 0x9f)) {
          if (runStart < 0) runStart = i;
          continue;
        }
        if (runStart >= 0) this.addText(s.slice(runStart, i));
        runStart = -1;
        this.control(c);
      } else if (this.state === 'esc') {
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
    if (runStart >= 0) this.addText(s.slice(runStart));
  }

  private addText(text: string): void {
    if (this.carriageReturn) {
      this.line = '';
      this.carriageReturn = false;
    }
    const room = this.maxChars - this.line.length;
    if (room > 0) this.line += text.length > room ? text.slice(0, room) : text;
  }

  private control(c: number): void {
    if (c === 0x0d) this.carriageReturn = true;
    else if (c === 0x09) this.addText(' ');
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

/** Tracks the last non-empty line of terminal output (ANSI escapes stripped, \r handled as a terminal would: text after the last \r of a line wins), bounded memory, for RunDto.lastOutputLine. */
export function createLastLineTracker(maxChars = 500): { push(chunk: Buffer): void; get(): string | null } {
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

  return {
    push,
    get: () => current.visible() || lastFinished,
  };
}
