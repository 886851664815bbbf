// The one-line "what is it doing now" shown next to a running run. Terminal output is full of
// colour codes, cursor moves and \r-redrawn progress bars, so it is read roughly the way a
// terminal would show it, keeping only the current line and the last finished one.
import { StringDecoder } from 'node:string_decoder';

type State = 'text' | 'esc' | 'escIntermediate' | 'csi' | 'string' | 'stringEsc';

/** OSC/DCS strings longer than this are taken as noise and end, so a stray ESC ] cannot hide all later output. */
const MAX_STRING_SEQUENCE = 8192;

/** Tracks the last non-empty line of terminal output (ANSI escapes stripped, \r handled as a terminal would: text after the last \r of a line wins), bounded memory, for RunDto.lastOutputLine. */
export function createLastLineTracker(maxChars = 500): { push(chunk: Buffer): void; get(): string | null } {
  const decoder = new StringDecoder('utf8');
  let state: State = 'text';
  let stringLength = 0;
  let line = '';
  /** A \r was seen: the next text starts the line over, unless a \n ends it first. */
  let carriageReturn = false;
  let lastFinished: string | null = null;

  const addText = (text: string) => {
    if (carriageReturn) {
      line = '';
      carriageReturn = false;
    }
    if (line.length < maxChars) line += text.length > maxChars - line.length ? text.slice(0, maxChars - line.length) : text;
  };

  const endLine = () => {
    const finished = line.trim();
    if (finished) lastFinished = finished;
    line = '';
    carriageReturn = false;
  };

  const control = (c: number) => {
    if (c === 0x0a) endLine();
    else if (c === 0x0d) carriageReturn = true;
    else if (c === 0x09) addText(' ');
    else if (c === 0x08 && !carriageReturn) line = line.slice(0, -1);
    else if (c === 0x1b) state = 'esc';
    else if (c === 0x9b) state = 'csi';
    else if (c === 0x9d) startString();
  };

  const startString = () => {
    state = 'string';
    stringLength = 0;
  };

  const escape = (c: number) => {
    if (c === 0x5b) state = 'csi';
    else if (c === 0x5d || c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) startString();
    else if (c >= 0x20 && c <= 0x2f) state = 'escIntermediate';
    else state = 'text';
  };

  const push = (chunk: Buffer) => {
    const s = decoder.write(chunk);
    let runStart = -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (state === 'text') {
        if (c >= 0x20 && c !== 0x7f && (c < 0x80 || c > 0x9f)) {
          if (runStart < 0) runStart = i;
          continue;
        }
        if (runStart >= 0) addText(s.slice(runStart, i));
        runStart = -1;
        control(c);
      } else if (state === 'esc') {
        escape(c);
      } else if (state === 'escIntermediate') {
        if (c >= 0x30 && c <= 0x7e) state = 'text';
      } else if (state === 'csi') {
        if (c >= 0x40 && c <= 0x7e) state = 'text';
      } else if (state === 'string') {
        if (c === 0x07 || ++stringLength > MAX_STRING_SEQUENCE) state = 'text';
        else if (c === 0x1b) state = 'stringEsc';
      } else {
        // ESC \ ends the string; any other ESC starts a new sequence, as in a terminal.
        if (c === 0x5c) state = 'text';
        else escape(c);
      }
    }
    if (runStart >= 0) addText(s.slice(runStart));
  };

  return {
    push,
    get: () => line.trim() || lastFinished,
  };
}
