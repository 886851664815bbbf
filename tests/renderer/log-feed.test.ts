// The log viewer's data logic, apart from xterm: live chunks are written once each, in offset
// order, whatever order and overlap they arrive in; gaps are read back; the start is a tail
// read, never the whole file; earlier ranges and memory stay bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogFeed, type LogRead, type ReadRequest } from '../../src/renderer/log/log-feed';
import { LogWindow } from '../../src/renderer/log/log-window';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A growing log file and a terminal that records what it was given. */
function setup(initial = '', options = {}) {
  let file = enc(initial);
  const reads: ReadRequest[] = [];
  const read = async (r: ReadRequest): Promise<LogRead> => {
    reads.push(r);
    const offset = 'tail' in r ? Math.max(0, file.length - r.tail) : Math.min(r.offset, file.length);
    const length = 'tail' in r ? r.tail : r.length;
    return { offset, data: file.slice(offset, offset + length), totalBytes: file.length, live: true, pruned: false };
  };
  let shown = '';
  const sink = { write: (b: Uint8Array) => (shown += dec(b)), clear: () => (shown = '') };
  const feed = new LogFeed(read, sink, options);
  const append = (s: string) => {
    const offset = file.length;
    const bytes = enc(s);
    const next = new Uint8Array(file.length + bytes.length);
    next.set(file);
    next.set(bytes, offset);
    file = next;
    return { offset, bytes };
  };
  return { feed, reads, append, shown: () => shown };
}

describe('log window', () => {
  it('cuts overlaps and holds chunks past a gap until the gap is filled', () => {
    const w = new LogWindow(1 << 20);
    expect(dec(w.reset(0, enc('abc'), 3))).toBe('abc');
    expect(w.append(1, enc('bcde')).map(dec)).toEqual(['de']); // overlap cut
    expect(w.append(0, enc('abcde')).map(dec)).toEqual([]); // all seen
    expect(w.append(8, enc('ij')).map(dec)).toEqual([]); // past a gap
    expect(w.gap(100)).toEqual({ offset: 5, length: 3 });
    expect(w.append(5, enc('fgh')).map(dec)).toEqual(['fgh', 'ij']);
    expect(w.gap(100)).toBeNull();
    expect(w.end).toBe(10);
  });

  it('starts a mid-file read at the next line, and reads earlier bytes back in front', () => {
    const file = enc('line 1\nline 2\nline 3\n');
    const w = new LogWindow(1 << 20);
    expect(dec(w.reset(9, file.slice(9), file.length))).toBe('line 3\n');
    expect(w.start).toBe(14);
    expect(w.earlier(100)).toEqual({ offset: 0, length: 14 });
    w.prepend(0, file.slice(0, 14));
    expect(dec(w.snapshot())).toBe('line 1\nline 2\nline 3\n');
    expect(w.earlier(100)).toBeNull();
  });

  it('stays within its byte budget as live output keeps coming', () => {
    const w = new LogWindow(1000);
    w.reset(0, new Uint8Array(), 0);
    for (let i = 0; i < 100; i++) w.append(i * 100, new Uint8Array(100).fill(65));
    expect(w.heldBytes).toBeLessThanOrEqual(1000);
    expect(w.end).toBe(10_000);
    expect(w.start).toBe(10_000 - w.heldBytes);
  });

  it('writes every byte exactly once, in order, whatever order the chunks arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (sizes, order, dupes) => {
          const text = sizes.map((n, i) => String.fromCharCode(97 + (i % 26)).repeat(n)).join('');
          const bytes = enc(text);
          const chunks: [number, Uint8Array][] = [];
          let at = 0;
          for (const n of sizes) {
            chunks.push([at, bytes.subarray(at, at + n)]);
            at += n;
          }
          // Shuffle, and resend some chunks (overlaps, duplicates).
          const arrival = [...chunks];
          for (let i = 0; i < order.length && arrival.length > 1; i++) {
            const a = order[i] % arrival.length;
            const b = (order[i] >> 3) % arrival.length;
            [arrival[a], arrival[b]] = [arrival[b], arrival[a]];
          }
          for (const d of dupes) arrival.splice(d % (arrival.length + 1), 0, chunks[d % chunks.length]);

          const w = new LogWindow(1 << 20);
          w.reset(0, new Uint8Array(), 0);
          let out = '';
          for (const [offset, data] of arrival) out += w.append(offset, data).map(dec).join('');
          expect(out).toBe(text);
          expect(w.gap(1 << 20)).toBeNull();
        },
      ),
    );
  });
});

describe('log feed', () => {
  it('opens with a tail read, never the whole file', async () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i}\n`).join('');
    const t = setup(big, { tailBytes: 4096 });
    await t.feed.start();
    expect(t.reads).toEqual([{ tail: 4096 }]);
    expect(t.shown().endsWith('line 19999\n')).toBe(true);
    expect(t.shown().length).toBeLessThanOrEqual(4096);
    expect(t.shown().startsWith('line ')).toBe(true); // the partial first line was dropped
    expect(t.feed.state.start).toBeGreaterThan(0);
  });

  it('appends live chunks in order and reads a missed range back', async () => {
    const t = setup('hello\n');
    await t.feed.start();
    const a = t.append('one\n');
    const b = t.append('two\n');
    const c = t.append('three\n');
    t.feed.live(c.offset, c.bytes); // arrives first: waits for the gap
    t.feed.live(a.offset, a.bytes);
    expect(t.shown()).toBe('hello\none\n');
    await t.feed.catchUp(); // lets the scheduled gap read finish
    expect(t.shown()).toBe('hello\none\ntwo\nthree\n');
    expect(t.reads).toContainEqual({ offset: b.offset, length: b.bytes.length });
    t.feed.live(b.offset, b.bytes); // the late original: already shown
    expect(t.shown()).toBe('hello\none\ntwo\nthree\n');
  });

  it('keeps chunks that arrive during the first read and applies them after it', async () => {
    const t = setup('start\n');
    const started = t.feed.start();
    const a = t.append('during\n');
    t.feed.live(a.offset, a.bytes);
    await started;
    expect(t.shown()).toBe('start\nduring\n');
  });

  it('loads earlier bytes in front of what is shown', async () => {
    const text = Array.from({ length: 100 }, (_, i) => `row ${String(i).padStart(3, '0')}\n`).join('');
    const t = setup(text, { tailBytes: 200, stepBytes: 300 });
    await t.feed.start();
    const before = t.shown();
    await t.feed.loadEarlier();
    expect(t.shown().endsWith(before)).toBe(true);
    expect(t.shown().length).toBeGreaterThan(before.length);
    expect(t.shown().startsWith('row ')).toBe(true);
    while (t.feed.state.start > 0) await t.feed.loadEarlier();
    expect(t.shown()).toBe(text);
  });

  it('says a pruned log is pruned instead of showing nothing', async () => {
    const read = async (): Promise<LogRead> => ({ offset: 0, data: new Uint8Array(), totalBytes: 0, live: false, pruned: true });
    const feed = new LogFeed(read, { write: () => undefined, clear: () => undefined });
    await feed.start();
    expect(feed.state.pruned).toBe(true);
  });
});
