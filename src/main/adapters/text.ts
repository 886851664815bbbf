// Small text helpers shared by the adapters: event messages stay one short line, payloads and
// prompts stay bounded, and untyped JSON is read without trusting its shape.
import { TRANSCRIPT_TEXT_BYTES, TRUNCATION_MARK, type ClippedText } from '../../shared/run-events';
import type { JsonObject } from './json-lines';

const EVENT_MESSAGE_CHARS = 200;
export const EVENT_TEXT_CHARS = 4000;

/** Cuts at most max UTF-16 units without splitting a surrogate pair. */
export function clipChars(text: string, max: number): string {
  return text.length <= max ? text : `${head(text, max)}…`;
}

/** One line for an event message: whitespace runs collapsed, clipped. */
export function oneLine(text: string, max = EVENT_MESSAGE_CHARS): string {
  // Collapsing a huge text is wasted work: only its head can end up in the message.
  return clipChars(head(text, max * 4).replace(/\s+/g, ' ').trim(), max);
}

/** At most maxBytes of UTF-8 (plus a marker), cut on a code point boundary. */
export function clipBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return `${cut}\n${TRUNCATION_MARK}`;
}

/** A text for a transcript event: whole up to maxBytes of UTF-8, else clipped and marked. */
export function clipText(text: string, maxBytes = TRANSCRIPT_TEXT_BYTES): ClippedText {
  const kept = clipBytes(text, maxBytes);
  return { text: kept, truncated: kept !== text };
}

/** The end of a text (command output) up to maxBytes of UTF-8, marked when its head was cut. */
export function tailBytes(text: string, maxBytes = TRANSCRIPT_TEXT_BYTES): ClippedText {
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let kept = bytes.subarray(bytes.length - maxBytes).toString('utf8');
  if (kept.startsWith('\uFFFD')) kept = kept.slice(1);
  return { text: `${TRUNCATION_MARK}\n${kept}`, truncated: true };
}

/** At most this much JSON for one tool call's input, whatever its shape. */
const TOOL_INPUT_CHARS = 4 * TRANSCRIPT_TEXT_BYTES;

/**
 * A tool call's input for a transcript: every string (a command, an Edit's old and new text, a
 * Write's content) kept up to TRANSCRIPT_TEXT_BYTES on its own, so a large Write does not
 * cost the Edit beside it its diff. An input still too large as a whole becomes a preview.
 */
export function clipToolInput(value: unknown): unknown {
  const clip = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return clipBytes(v, TRANSCRIPT_TEXT_BYTES);
    if (typeof v !== 'object' || v === null) return v;
    if (depth > 8) return boundedJson(v, 1000);
    if (Array.isArray(v)) return v.slice(0, 200).map((x) => clip(x, depth + 1));
    return Object.fromEntries(Object.entries(v).slice(0, 200).map(([k, x]) => [k, clip(x, depth + 1)]));
  };
  return boundedJson(clip(value ?? null, 0), TOOL_INPUT_CHARS);
}

/** A JSON value for an event payload, replaced by a clipped preview when it serializes too long. */
export function boundedJson(value: unknown, maxChars = EVENT_TEXT_CHARS): unknown {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= maxChars ? value : { truncated: true, preview: clipChars(text, maxChars) };
}

export function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function asObject(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
