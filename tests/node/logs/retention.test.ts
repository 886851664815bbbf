import { describe, expect, it } from 'vitest';
import { selectLogsToPrune } from '../../../src/node/logs/retention';

const runs = (...sizes: number[]) => sizes.map((bytes, i) => ({ id: `r${i}`, bytes }));

describe('selectLogsToPrune', () => {
  it('keeps everything within both limits', () => {
    expect(selectLogsToPrune(runs(10, 20, 30), { maxRuns: 3, maxBytes: 60 })).toEqual([]);
    expect(selectLogsToPrune([], { maxRuns: 0, maxBytes: 0 })).toEqual([]);
  });

  it('keeps only the newest maxRuns', () => {
    expect(selectLogsToPrune(runs(1, 1, 1, 1, 1), { maxRuns: 2, maxBytes: 1e9 })).toEqual(['r2', 'r3', 'r4']);
    expect(selectLogsToPrune(runs(1, 1), { maxRuns: 0, maxBytes: 1e9 })).toEqual(['r0', 'r1']);
  });

  it('keeps at most maxBytes, as a run of the newest without holes', () => {
    // r2 would overflow; the smaller, older r3 is not kept in its place
    expect(selectLogsToPrune(runs(40, 40, 40, 5), { maxRuns: 10, maxBytes: 100 })).toEqual(['r2', 'r3']);
    expect(selectLogsToPrune(runs(50, 50, 1), { maxRuns: 10, maxBytes: 100 })).toEqual(['r2']);
  });

  it('prunes even the newest log when it alone exceeds maxBytes', () => {
    expect(selectLogsToPrune(runs(200, 10), { maxRuns: 10, maxBytes: 100 })).toEqual(['r0', 'r1']);
  });

  it('applies whichever limit bites first', () => {
    expect(selectLogsToPrune(runs(10, 10, 10, 10), { maxRuns: 3, maxBytes: 25 })).toEqual(['r2', 'r3']);
    expect(selectLogsToPrune(runs(10, 10, 10, 10), { maxRuns: 1, maxBytes: 25 })).toEqual(['r1', 'r2', 'r3']);
  });
});
