// The forms a secret takes on its way out of an agent: the pty's CRLF line ends, JSON escaping,
// terminal escapes between its characters, and any split across writes. Property-based: the
// secrets and the ways of printing them are generated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLastLineTracker } from '../../../src/node/logs/last-line';
import { Redactor, secretForms } from '../../../src/node/logs/redactor';
import { MASKED_SECRET } from '../../../src/shared/domain';

const MASK = MASKED_SECRET;

function streamed(secrets: string[], chunks: Buffer[]): Buffer {
  const r = new Redactor(secrets);
  return Buffer.concat([...chunks.map((c) => r.transform(c)), r.flush()]);
}

function splitAt(input: Buffer, points: number[]): Buffer[] {
  const cuts = [0, ...[...new Set(points.map((p) => Math.min(p, input.length)))].sort((a, b) => a - b), input.length];
  return cuts.slice(1).map((end, i) => input.subarray(cuts[i], end));
}

/** What a reader sees once escapes are stripped, as the last-line tracker and a terminal do. */
function visible(out: Buffer): string {
  return out.toString('utf8').replace(/\x1b\[[\x20-\x3f]*[\x40-\x7e]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[\x20-\x2f]*[\x30-\x7e]/g, '');
}

const ESCAPES = ['\x1b[1m', '\x1b[0m', '\x1b[38;5;208m', '\x1b[2K', '\x1b]0;title\x07', '\x1b]8;;https://x.test\x1b\\', '\x1b(B', '\x1b='];

/** A secret: printable ASCII with quotes, backslashes and newlines, sometimes non-ASCII. */
const secretArb = fc
  .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...'abcXYZ0129-_+/=.') }, fc.constantFrom('"', '\\', '\n', 'é', '€', '🔑', '\t', "'")), { minLength: 6, maxLength: 40 })
  .map((chars) => chars.join(''))
  .filter((s) => s.trim().length >= 4);

/** How an agent prints it. */
const printArb = fc.record({
  form: fc.constantFrom('raw', 'crlf', 'json', 'json-ascii', 'json-twice', 'json-crlf'),
  escapes: fc.array(fc.tuple(fc.nat(60), fc.constantFrom(...ESCAPES)), { maxLength: 4 }),
  before: fc.constantFrom('', 'key=', 'error: "', '\x1b[31m', 'x\r\n'),
  after: fc.constantFrom('', ' end', '"}', '\x1b[0m\r\n', '\n'),
  splits: fc.array(fc.nat(200), { maxLength: 5 }),
});

function printed(secret: string, form: string): string {
  const json = JSON.stringify(secret).slice(1, -1);
  switch (form) {
    case 'crlf':
      return secret.replace(/\n/g, '\r\n');
    case 'json':
      return json;
    case 'json-ascii':
      return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 'json-twice':
      return JSON.stringify(json).slice(1, -1);
    case 'json-crlf':
      return json.replace(/\n/g, '\r\n');
    default:
      return secret;
  }
}

/** Inserts escapes between characters (never inside a surrogate pair). */
function withEscapes(text: string, escapes: [number, string][]): string {
  const chars = [...text];
  for (const [at, esc] of [...escapes].sort((a, b) => b[0] - a[0])) {
    const i = 1 + (at % Math.max(1, chars.length - 1));
    chars.splice(Math.min(i, chars.length - 1), 0, esc);
  }
  return chars.join('');
}

describe('Redactor: a secret in every form', () => {
  it('lists the forms: as written, CRLF, JSON-escaped (also ASCII-only and twice)', () => {
    const forms = secretForms('a"b\\c\nd€');
    expect(forms).toEqual(expect.arrayContaining(['a"b\\c\nd€', 'a"b\\c\r\nd€', 'a\\"b\\\\c\\nd€', 'a\\"b\\\\c\\nd\\u20ac', 'a\\\\\\"b\\\\\\\\c\\\\nd€']));
  });

  it('masks a PEM key whose newlines the pty turned into CRLF', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----';
    const out = streamed([pem], [Buffer.from(`key:\r\n${pem.replace(/\n/g, '\r\n')}\r\ndone\r\n`)]);
    expect(out.toString()).toBe(`key:\r\n${MASK}\r\ndone\r\n`);
  });

  it("masks a secret split by a terminal escape, escape included, and the last line shows no secret", () => {
    const secret = 'sk-live-0123456789';
    const text = `token ${secret.slice(0, 7)}\x1b[1m${secret.slice(7)}\x1b[0m\r\n`;
    const out = streamed([secret], [Buffer.from(text)]);
    expect(out.toString()).toBe(`token ${MASK}\x1b[0m\r\n`);
    const tracker = createLastLineTracker();
    tracker.push(out);
    expect(tracker.get()).toBe(`token ${MASK}`);
  });

  it('masks a secret in an OSC window title or hyperlink', () => {
    const secret = 'ghp_abcdefghijklmnop';
    const out = streamed([secret], [Buffer.from(`\x1b]0;${secret}\x07\x1b]8;;https://x.test/?t=${secret}\x1b\\link\x1b]8;;\x1b\\`)]);
    expect(out.toString()).not.toContain(secret);
    expect(out.toString()).toBe(`\x1b]0;${MASK}\x07\x1b]8;;https://x.test/?t=${MASK}\x1b\\link\x1b]8;;\x1b\\`);
  });

  it('masks JSON-escaped secrets and keeps the JSON valid', () => {
    const secret = 'p"ss\\w\nord';
    const r = new Redactor([secret]);
    const doc = JSON.stringify({ text: `the key is ${secret}!`, nested: { list: [secret] } });
    expect(r.redactJson(doc)).toEqual({ text: `the key is ${MASK}!`, nested: { list: [MASK] } });
    // A secret starting with "n" right after an escape's backslash would break the document: strings are redacted one by one.
    const tricky = new Redactor(['nabcdef']);
    expect(tricky.redactJson(JSON.stringify({ a: 'x\nabcdef', b: 'nabcdef' }))).toEqual({ a: 'x\nabcdef', b: MASK });
  });

  it('never lets a generated secret through, however it is printed and split', () => {
    fc.assert(
      fc.property(secretArb, printArb, (secret, how) => {
        const shown = withEscapes(printed(secret, how.form), how.escapes);
        const input = Buffer.from(`${how.before}${shown}${how.after}`);
        const out = streamed([secret, 'unrelated-token-value'], splitAt(input, how.splits));
        const text = out.toString('utf8');
        const seen = visible(out);
        for (const form of secretForms(secret)) {
          expect(text.includes(form), `form ${JSON.stringify(form)} in ${JSON.stringify(text)}`).toBe(false);
          expect(seen.includes(form), `form ${JSON.stringify(form)} visible in ${JSON.stringify(seen)}`).toBe(false);
        }
        expect(text).toContain(MASK);
        // Streaming changes nothing: the same bytes as redacting the whole input at once.
        expect(out.equals(streamed([secret, 'unrelated-token-value'], [input]))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the text around the secret as it was', () => {
    fc.assert(
      fc.property(secretArb, fc.constantFrom('raw', 'crlf', 'json'), fc.array(fc.nat(100), { maxLength: 4 }), (secret, form, splits) => {
        const input = Buffer.from(`before|${printed(secret, form)}|after`);
        expect(streamed([secret], splitAt(input, splits)).toString()).toBe(`before|${MASK}|after`);
      }),
      { numRuns: 1000 },
    );
  });

  it('drops a partial match buried under a flood of escapes instead of holding output back without bound', () => {
    const secret = 'sk-abcdefgh';
    const r = new Redactor([secret]);
    const flood = Buffer.from('\x1b[0m'.repeat(5000));
    let out = r.transform(Buffer.from('sk-abc'));
    out = Buffer.concat([out, r.transform(flood)]);
    expect(out.length).toBeGreaterThan(flood.length - 100);
  });
});
