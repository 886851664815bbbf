// Small text helpers shared by the adapters: event messages stay one short line, payloads and
// prompts stay bounded, and untyped JSON is read without trusting its shape.
import type { JsonObject } from './json-lines';

const EVENT_MESSAGE_CHARS = 200;
export const EVENT_TEXT_CHARS = 4000;

/** Cuts at most max UTF-16 units without splitting a surrogate pair. */
export function clipChars(text: string, max: number): string {
  return text.length <= max ? text : `${head(text, max)}…`;
}

/** The end of a text (command output: the error is usually last), at most max UTF-16 units. */
export function tailChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(text.length - max);
  return `…${text.slice(code >= 0xdc00 && code <= 0xdfff ? text.length - max + 1 : text.length - max)}`;
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
  return `${cut}\n[… truncated by Vigil]`;
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
