// An OutputParser for CLIs that print one JSON document per line. The pty merges stdout with
// stderr (logs, warnings, progress), so anything that is not a JSON object with a string `type`
// is skipped without producing an event.
import { LineSplitter, MAX_LINE_BYTES, type LineHandler } from './line-splitter';
import type { AdapterEvent, AdapterResult, OutputParser } from './types';

export type JsonObject = Record<string, unknown>;

/** What a CLI-specific parser does with each document; it pushes the events it derives. */
export interface JsonDocumentHandler {
  handle(doc: JsonObject, events: AdapterEvent[]): void;
  result(): AdapterResult;
  /**
   * A line that is not a JSON document, escapes stripped, for a CLI that prints some of its
   * failures as plain text (a login it lacks, a session it does not know). Short lines only.
   */
  plainLine?(text: string, events: AdapterEvent[]): void;
  /** The output ended: events still held (text streamed in deltas) go out now. */
  end?(events: AdapterEvent[]): void;
}

/** Longer lines are not offered to plainLine: what it looks for is one short sentence. */
const PLAIN_LINE_BYTES = 2048;
// CSI and OSC sequences, and the lone control characters a terminal line can carry.
const ESCAPES_RE = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\x00-\x08\x0b-\x1f\x7f]/g;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const TYPE_KEY = Buffer.from('"type"');

/**
 * The JSON object in a line, tolerating a prefix (an escape sequence, a stderr fragment). Cheap
 * byte checks come first: a failed JSON.parse costs several microseconds (it builds an error),
 * and a log can hold millions of lines with braces in them.
 */
function parseJsonLine(buf: Buffer, lineStart = 0, lineEnd = buf.length): JsonObject | null {
  let end = lineEnd;
  while (end > lineStart && isSpace(buf[end - 1])) end--;
  if (end === lineStart || buf[end - 1] !== CLOSE_BRACE) return null;
  // A view of the line itself, so that no search below runs on into the following lines.
  const line = buf.subarray(lineStart, end);
  const start = objectStart(line);
  if (start === -1 || line.indexOf(TYPE_KEY, start) === -1) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(line.toString('utf8', start));
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  return typeof (doc as JsonObject).type === 'string' ? (doc as JsonObject) : null;
}

/** The first "{" followed by a key's opening quote: every document worth reading has a "type". */
function objectStart(line: Buffer): number {
  for (let brace = line.indexOf(OPEN_BRACE); brace !== -1; brace = line.indexOf(OPEN_BRACE, brace + 1)) {
    let next = brace + 1;
    while (next < line.length && isSpace(line[next])) next++;
    if (line[next] === QUOTE) return brace;
  }
  return -1;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

export function jsonLinesParser(handler: JsonDocumentHandler, maxLineBytes = MAX_LINE_BYTES): OutputParser {
  const lines = new LineSplitter(maxLineBytes);
  const collect = (feed: (onLine: LineHandler) => void): AdapterEvent[] => {
    const events: AdapterEvent[] = [];
    feed((buf, start, end) => {
      const doc = parseJsonLine(buf, start, end);
      if (doc) handler.handle(doc, events);
      else if (handler.plainLine && end - start <= PLAIN_LINE_BYTES) {
        const text = buf.toString('utf8', start, end).replace(ESCAPES_RE, '').trim();
        if (text) handler.plainLine(text, events);
      }
    });
    return events;
  };
  return {
    push: (chunk) => collect((onLine) => lines.push(chunk, onLine)),
    end: () => {
      const events = collect((onLine) => lines.end(onLine));
      handler.end?.(events);
      return events;
    },
    result: () => handler.result(),
  };
}
