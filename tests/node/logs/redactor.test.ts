import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/node/logs/redactor';
import { MASKED_SECRET } from '../../../src/shared/domain';

/** Whole-stream semantics: every occurrence of every secret, overlaps merged, one mask per span. */
function reference(input: Buffer, secrets: string[]): Buffer {
  const spans: [number, number][] = [];
  for (const s of new Set(secrets.filter((x) => x.length >= 4))) {
    const n = Buffer.from(s);
    for (let i = input.indexOf(n); i !== -1; i = input.indexOf(n, i + 1)) spans.push([i, i + n.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = merged[merged.length - 1];
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  const out: Buffer[] = [];
  let pos = 0;
  for (const [start, end] of merged) {
    out.push(input.subarray(pos, start), Buffer.from(MASKED_SECRET));
    pos = end;
  }
  out.push(input.subarray(pos));
  return Buffer.concat(out);
}

function streamed(secrets: string[], chunks: Buffer[]): Buffer {
  const r = new Redactor(secrets);
  return Buffer.concat([...chunks.map((c) => r.transform(c)), r.flush()]);
}

function splitAt(input: Buffer, points: number[]): Buffer[] {
  const cuts = [0, ...points, input.length];
  return cuts.slice(1).map((end, i) => input.subarray(cuts[i], end));
}

function expectNoSecret(out: Buffer, secrets: string[]) {
  for (const s of secrets.filter((x) => x.length >= 4)) expect(out.includes(Buffer.from(s)), `leaked ${s}`).toBe(false);
}

describe('Redactor', () => {
  it('is the zero-copy identity when there is nothing to redact', () => {
    const r = new Redactor(['abc', '', 'xyz']);
    expect(r.active).toBe(false);
    const chunk = Buffer.from('abc token xyz');
    expect(r.transform(chunk)).toBe(chunk);
    expect(r.flush().length).toBe(0);
    expect(r.redactText('abc')).toBe('abc');
  });

  it('masks a secret in one chunk and in text', () => {
    const r = new Redactor(['hunter22']);
    expect(r.active).toBe(true);
    const out = Buffer.concat([r.transform(Buffer.from('pw=hunter22; again hunter22.')), r.flush()]);
    expect(out.toString()).toBe(`pw=${MASKED_SECRET}; again ${MASKED_SECRET}.`);
    expect(r.redactText('error: bad hunter22')).toBe(`error: bad ${MASKED_SECRET}`);
  });

  const cases: { name: string; secrets: string[]; text: string }[] = [
    { name: 'a single secret', secrets: ['sk-live-123456'], text: 'key sk-live-123456 and sk-live-12345 then sk-live-123456sk-live-123456 end' },
    { name: 'overlapping secrets', secrets: ['abcdef', 'defghi', 'ghijkl'], text: 'xxabcdefghijklyy abcdef defghi zzdefghijkl abcdefgh' },
    { name: 'a secret that is a prefix of another', secrets: ['tok_', 'tok_abcdef', 'tok_abc'], text: 'tok_abcdef tok_abc tok_ab tok_abcdeX tok_' },
    { name: 'a self-overlapping secret', secrets: ['abab', 'aaaa'], text: 'abababab aaaaaaa ababa aab abab' },
    { name: 'a multi-byte secret', secrets: ['pässwörd€', '🔑key'], text: 'x pässwörd€ y 🔑key 🔑ke pässwörd' },
  ];

  for (const c of cases) {
    it(`masks ${c.name} split at every position, and at every pair of positions`, () => {
      const input = Buffer.from(c.text);
      const expected = reference(input, c.secrets);
      expectNoSecret(expected, c.secrets);
      expect(streamed(c.secrets, [input])).toEqual(expected);
      for (let i = 0; i <= input.length; i++) {
        expect(streamed(c.secrets, splitAt(input, [i])), `split at ${i}`).toEqual(expected);
        for (let j = i; j <= input.length; j++) {
          expect(streamed(c.secrets, splitAt(input, [i, j])), `split at ${i},${j}`).toEqual(expected);
        }
      }
      expect(streamed(c.secrets, [...input].map((b) => Buffer.from([b]))), 'byte by byte').toEqual(expected);
    });
  }

  it('holds back at most (longest secret - 1) bytes', () => {
    const r = new Redactor(['abcd', 'abcdefghij']);
    let inBytes = 0;
    let outBytes = 0;
    for (const piece of ['0123456789', 'x', 'yz', 'abc', 'Xdefg', 'abcabcabc', '0', '1234567890123']) {
      inBytes += piece.length;
      outBytes += r.transform(Buffer.from(piece)).length;
      // no match in this stream, so output length tracks input length
      expect(inBytes - outBytes).toBeLessThanOrEqual(9);
    }
    expect(outBytes + r.flush().length).toBe(inBytes);
  });

  it('matches whole-stream redaction for random streams, secrets and splits', () => {
    const alphabet = fc.constantFrom(...'abc');
    const word = (min: number, max: number) => fc.string({ unit: alphabet, minLength: min, maxLength: max });
    fc.assert(
      fc.property(fc.array(word(3, 7), { minLength: 1, maxLength: 4 }), word(0, 80), fc.array(fc.nat(80), { maxLength: 8 }), (secrets, text, points) => {
        const input = Buffer.from(text);
        const expected = reference(input, secrets);
        const cuts = [...new Set(points.map((p) => Math.min(p, input.length)))].sort((a, b) => a - b);
        const out = streamed(secrets, splitAt(input, cuts));
        expect(out).toEqual(expected);
        expectNoSecret(out, secrets);
      }),
      { numRuns: 3000 },
    );
  });

  it('redacts 200 MB of output exactly, and a stream made only of a periodic secret to one mask (times printed, not asserted)', () => {
    const secrets = ['ghp_0123456789abcdefABCDEF', 'sk-proj-zzzzzzzz', 'AKIAIOSFODNN7EXAMPLE', 'hunter2hunter2', 'p@ssw0rd!'];
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i++) block[i] = 32 + ((i * 7919) % 95);
    Buffer.from('sk-proj-zzzzzzzz').copy(block, 1000);
    Buffer.from('hunter2hunter2').copy(block, 500_000);
    const chunk = 64 << 10;
    const measure = (mb: number) => {
      const r = new Redactor(secrets);
      const t0 = performance.now();
      let out = 0;
      for (let m = 0; m < mb; m++) for (let o = 0; o < block.length; o += chunk) out += r.transform(block.subarray(o, o + chunk)).length;
      out += r.flush().length;
      return { ms: performance.now() - t0, out };
    };
    // best of a few runs: the machine is shared, and only the ratio says something about linearity
    const best = (mb: number, runs: number) => Array.from({ length: runs }, () => measure(mb)).reduce((a, b) => (b.ms < a.ms ? b : a));
    const small = best(50, 3);
    const big = best(200, 2);
    expect(big.out).toBe(200 * (block.length - 16 - 14 + 2 * Buffer.byteLength(MASKED_SECRET)));
    console.log(
      `[logs] redactor (5 secrets, 64 KiB chunks): 50 MB in ${small.ms.toFixed(0)} ms, 200 MB in ${big.ms.toFixed(0)} ms ` +
        `(${(200 / (big.ms / 1000)).toFixed(0)} MB/s; 200/50 time ratio ${(big.ms / small.ms).toFixed(2)})`,
    );

    const r = new Redactor(['aaaa']);
    const as = Buffer.alloc(chunk, 'a');
    const t0 = performance.now();
    let out = Buffer.alloc(0);
    for (let i = 0; i < 320; i++) out = Buffer.concat([out, r.transform(as)]);
    out = Buffer.concat([out, r.flush()]);
    expect(out.toString()).toBe(MASKED_SECRET);
    console.log(`[logs] redactor, 20 MB made only of the secret "aaaa": ${(performance.now() - t0).toFixed(0)} ms`);
  });
});
