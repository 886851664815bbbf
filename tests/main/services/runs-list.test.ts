// runs.list on both stores: keyset pages that visit every run exactly once (runs made by one
// statement share a created_at to the microsecond), and a `total` that follows new runs and
// removed agents while PGlite's count is kept between calls (services/run-totals.ts).
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { heartbeatRuns } from '../../../src/main/db/schema';
import type { RunDto } from '../../../src/shared/contract';
import { hostPerTest, type TestHost } from '../../helpers/host';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('runs.list', (kind) => {
  const host = hostPerTest(kind);
  const start = () => host.start({ startScheduler: false, recoverOnStart: false });

  /** Finished runs written straight into the store; one statement, so one created_at, unless `at` is given. */
  async function addRuns(h: TestHost, agentId: string, n: number, at?: (i: number) => Date): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    await h.host.ctx.db.insert(heartbeatRuns).values(
      ids.map((id, i) => ({
        id,
        workspaceId: h.host.ctx.workspaceId,
        agentId,
        status: 'succeeded',
        invocationSource: 'on_demand',
        ...(at ? { createdAt: at(i) } : {}),
      })),
    );
    return ids;
  }

  async function allPages(h: TestHost, params: { agent?: string; status?: 'succeeded' }, limit: number) {
    const seen: RunDto[] = [];
    const totals: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await h.call('runs.list', { ...params, limit, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      totals.push(page.total);
      if (!page.nextCursor) return { seen, totals };
      cursor = page.nextCursor;
    }
    throw new Error('more than 100 pages');
  }

  it('pages through every run exactly once, newest first, including runs that share one created_at', async () => {
    const h = await start();
    const agent = await h.call('agents.create', { name: 'pager', adapterType: 'process', command: 'true' });
    // Distinct microseconds inside one millisecond, then 23 runs made by one statement.
    const base = Date.now() - 60_000;
    const spread = await addRuns(h, agent.id, 9, (i) => new Date(base + i));
    const batch = await addRuns(h, agent.id, 23);
    const expected = (
      (await h.host.ctx.db.select({ id: heartbeatRuns.id, at: heartbeatRuns.createdAt }).from(heartbeatRuns)) as { id: string; at: Date }[]
    )
      .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    expect(new Set(expected)).toEqual(new Set([...spread, ...batch]));

    const { seen, totals } = await allPages(h, {}, 5);
    expect(seen.map((r) => r.id)).toEqual(expected);
    expect(new Set(totals)).toEqual(new Set([32]));
    const byAgent = await allPages(h, { agent: 'pager' }, 7);
    expect(byAgent.seen.map((r) => r.id)).toEqual(expected);
    expect(byAgent.seen.every((r) => r.agent === 'pager')).toBe(true);
  });

  it('total follows new runs, filters and removed agents on every call', async () => {
    const h = await start();
    const a = await h.call('agents.create', { name: 'counted-a', adapterType: 'process', command: 'true' });
    const b = await h.call('agents.create', { name: 'counted-b', adapterType: 'process', command: 'true' });
    // Older than the hour a kept count covers, and recent.
    await addRuns(h, a.id, 4, (i) => new Date(Date.now() - 3 * 3600_000 - i * 1000));
    await addRuns(h, b.id, 3);
    expect((await h.call('runs.list', {})).total).toBe(7);
    expect((await h.call('runs.list', { agent: 'counted-a' })).total).toBe(4);
    await addRuns(h, a.id, 2);
    expect((await h.call('runs.list', {})).total).toBe(9);
    expect((await h.call('runs.list', { agent: 'counted-a' })).total).toBe(6);
    expect((await h.call('runs.list', { status: 'succeeded' })).total).toBe(9);
    expect((await h.call('runs.list', { status: 'running' })).total).toBe(0);
    await h.call('agents.remove', { agent: 'counted-a' });
    const after = await h.call('runs.list', {});
    expect(after.total).toBe(3);
    expect(after.items).toHaveLength(3);
  });

  it('refuses a cursor it did not give out, naming the field', async () => {
    const h = await start();
    for (const cursor of ['nope', Buffer.from('2026-01-01T00:00:00.000Z|x').toString('base64url'), Buffer.from("2026-01-01T00:00:00.000000Z'; drop|x").toString('base64url')]) {
      await expect(h.call('runs.list', { cursor })).rejects.toMatchObject({ code: 'invalid_input', field: 'cursor' });
    }
  });
});
