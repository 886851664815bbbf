// The first count of a host's life on a full disk: ANALYZE fails (it writes statistics). That
// attempt must not be kept: the count answers anyway, and the statistics are tried again later.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../src/main/db/client';
import { EventBus } from '../../../src/main/event-bus';
import { RunTotals } from '../../../src/main/services/run-totals';

function fakeDb(failAnalyzeTimes: number) {
  const calls = { analyze: 0 };
  const chain = { from: () => chain, where: () => Promise.resolve([{ total: 3 }]) };
  const db = {
    execute: () => {
      calls.analyze++;
      return calls.analyze <= failAnalyzeTimes ? Promise.reject(new Error('could not extend file "base/5/16384": No space left on device')) : Promise.resolve({ rows: [] });
    },
    select: () => chain,
  };
  return { db: db as unknown as Db, calls };
}

describe('run totals on a full disk', () => {
  it('answers while ANALYZE fails, and tries ANALYZE again instead of keeping the failure', async () => {
    const { db, calls } = fakeDb(1);
    const totals = new RunTotals(db, new EventBus(), true);
    await expect(totals.count([], 'all')).resolves.toBe(6);
    await expect(totals.count([], 'other')).resolves.toBe(6);
    expect(calls.analyze).toBe(2);
    await totals.count([], 'third');
    expect(calls.analyze).toBe(2);
  });
});
