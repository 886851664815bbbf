// Text PostgreSQL can store. Text taken from an agent's output (a session id parsed from its
// JSON, an event it printed, the last line) can hold \u0000, which no text column takes, and
// unpaired surrogates, which jsonb refuses; a run must still end and its events still land.

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether PostgreSQL would refuse this text (the API refuses such input up front, naming it). */
export function hasUnstorableText(text: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return UNSTORABLE.test(text);
}

/** The text with each unstorable character replaced by U+FFFD (as a text parameter stores a lone surrogate). */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** The JSON of a value for one jsonb parameter (rows for `jsonb_to_recordset`, a patch), every string storable. */
export function jsonbParam(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'string' ? storableText(inner) : inner));
}
