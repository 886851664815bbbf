import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter, MAX_LINE_BYTES } from '../../../src/main/adapters/line-splitter';

function cut(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of sorted) {
    chunks.push(buf.subarray(from, p));
    from = p;
  }
  chunks.push(buf.subarray(from));
  return chunks;
}

function linesOf(chunks: Buffer[], splitter = new LineSplitter()): string[] {
  const lines: string[] = [];
  const onLine = (buf: Buffer, start: number, end: number) => lines.push(buf.toString('utf8', start, end));
  for (const chunk of chunks) splitter.push(chunk, onLine);
  splitter.end(onLine);
  return lines;
}

describe('LineSplitter', () => {
  it('cuts on \\n and \\r\\n, keeps a lone \\r, and flushes the last line at the end', () => {
    expect(linesOf([Buffer.from('one\r\ntwo\nprogress 10%\rprogress 90%\r\n\r\nlast')])).toEqual([
      'one',
      'two',
      'progress 10%\rprogress 90%',
      '',
      'last',
    ]);
  });

  it('gives the same lines however the bytes are cut, mid-\\r\\n and mid-UTF-8 included', () => {
    const text = 'première ligne — ok ✓\r\n😀 emoji line\r\n\r\n{"type":"x","text":"日本語"}\r\nno newline at the end: ß';
    const bytes = Buffer.from(text);
    const expected = text.split('\r\n');
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (points) => {
        expect(linesOf(cut(bytes, points))).toEqual(expected);
      }),
    );
    expect(linesOf([...bytes].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('drops a line longer than the cap (its \\r counted), whatever the chunking, and carries on with the next line', () => {
    const cap = 64;
    const exact = 'x'.repeat(cap - 1);
    const tooLong = 'y'.repeat(cap + 1);
    const bytes = Buffer.from(`before\r\n${tooLong}\r\n${exact}\r\nafter\n${'z'.repeat(cap * 3)}`);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (points) => {
        expect(linesOf(cut(bytes, points), new LineSplitter(cap))).toEqual(['before', exact, 'after']);
      }),
    );
  });

  it('holds at most the cap while an endless line streams in', () => {
    const splitter = new LineSplitter();
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const lines: string[] = [];
    const onLine = (buf: Buffer, start: number, end: number) => lines.push(buf.toString('utf8', start, end));
    for (let i = 0; i < 200; i++) {
      // 50 MB without a newline
      splitter.push(chunk, onLine);
      expect(splitter.bufferedBytes).toBeLessThanOrEqual(MAX_LINE_BYTES);
    }
    splitter.push(Buffer.from('\r\nnext line\r\n'), onLine);
    expect(lines).toEqual(['next line']);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('does not keep a reference into a chunk the caller reuses', () => {
    const reused = Buffer.from('abc');
    const splitter = new LineSplitter();
    const lines: string[] = [];
    const onLine = (buf: Buffer, start: number, end: number) => lines.push(buf.toString('utf8', start, end));
    splitter.push(reused, onLine);
    reused.write('XYZ');
    splitter.push(Buffer.from('\n'), onLine);
    expect(lines).toEqual(['abc']);
  });
});
