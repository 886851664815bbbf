// Spend and insights are aggregate queries over the recorded runs: every machine's runs count
// (team mode shares the database), a monthly budget counts this calendar month (UTC) only.
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { agents, heartbeatRuns, workspaces, type UsageRecord } from '../../../src/main/db/schema';
import type { Store } from '../../../src/main/db/client';
import { periodEnd, periodStart, spendOf } from '../../../src/main/budgets/spend';
import { crossedBudget } from '../../../src/main/budgets/run-limits';
import { agentTotals, costPerDay, dayGrid, runsPerDay } from '../../../src/main/insights/queries';
import { describeEachStore, makeStore, type TestStoreTarget } from '../../helpers/stores';

const NOW = new Date('2026-12-07T12:00:00Z');

describeEachStore('spend and insights queries', (kind) => {
  let store: Store | null = null;
  let target: TestStoreTarget | null = null;
  afterEach(async () => {
    await store?.close();
    target?.cleanup();
    store = null;
  });

  const setup = async () => {
    ({ store, target } = await makeStore(kind));
    const db = store.db;
    await db.insert(workspaces).values({ id: 'w', name: 'W', issuePrefix: 'W' });
    await db.insert(agents).values([
      { id: 'a1', workspaceId: 'w', name: 'alpha-agent', adapterType: 'process' },
      { id: 'a2', workspaceId: 'w', name: 'beta-agent', adapterType: 'process' },
    ]);
    const run = (agentId: string, hostId: string, at: string, usage: UsageRecord | null, status = 'succeeded', issueId: string | null = null, seconds = 60) => ({
      id: randomUUID(),
      workspaceId: 'w',
      agentId,
      hostId,
      status,
      invocationSource: 'assignment',
      issueId,
      usage,
      createdAt: new Date(at),
      startedAt: new Date(at),
      finishedAt: status === 'running' ? null : new Date(new Date(at).getTime() + seconds * 1000),
    });
    await db.insert(heartbeatRuns).values([
      run('a1', 'alpha', '2026-12-01T00:00:00Z', { costUsd: 1.5, inputTokens: 1000, outputTokens: 100 }, 'succeeded', 'i1', 60),
      run('a1', 'beta', '2026-12-06T10:00:00Z', { costUsd: 2.25, inputTokens: 3000, outputTokens: 300 }, 'failed', 'i2', 120),
      run('a1', 'alpha', '2026-11-30T23:59:59Z', { costUsd: 10, inputTokens: 1, outputTokens: 1 }, 'succeeded', 'i1', 600),
      run('a1', 'alpha', '2026-12-07T11:00:00Z', null, 'running'),
      run('a2', 'beta', '2026-12-07T09:00:00Z', { inputTokens: 50, outputTokens: 5 }, 'cancelled', null, 30),
    ]);
    return db;
  };

  it('sums every machine\'s runs of the period; total, per issue, and without the live run', async () => {
    const db = await setup();
    expect(periodStart('month', NOW)?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(periodEnd('month', NOW)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodStart('total', NOW)).toBeNull();
    expect(await spendOf(db, 'a1', null, periodStart('month', NOW))).toEqual({ usd: 3.75, tokens: 4400 });
    expect(await spendOf(db, 'a1', null, null)).toEqual({ usd: 13.75, tokens: 4402 });
    expect(await spendOf(db, 'a1', 'i1', null)).toEqual({ usd: 11.5, tokens: 1102 });
    const budget = { id: 'b', agentId: 'a1', issueId: '', limitUsd: 5, limitTokens: null, period: 'month', createdAt: NOW, updatedAt: NOW };
    const spent = await spendOf(db, 'a1', null, periodStart('month', NOW));
    expect(crossedBudget([{ budget, spent }], { costUsd: 1.24 })).toBeNull();
    expect(crossedBudget([{ budget, spent }], { costUsd: 1.25 })?.budget.id).toBe('b');
  });

  it('insights: cost per day per agent, runs per day by outcome, totals with the median run time', async () => {
    const db = await setup();
    const grid = dayGrid(7, NOW);
    expect(grid.days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07']);
    const cost = await costPerDay(db, 'w', 7, NOW);
    expect(cost.series.find((s) => s.name === 'alpha-agent')?.values).toEqual([1.5, 0, 0, 0, 0, 2.25, 0]);
    const runs = await runsPerDay(db, 'w', 7, NOW);
    expect(runs.series.map((s) => s.name)).toEqual(['succeeded', 'failed', 'timed_out', 'cancelled']);
    expect(runs.series.find((s) => s.name === 'cancelled')?.values).toEqual([0, 0, 0, 0, 0, 0, 1]);
    const totals = await agentTotals(db, 'w', 7, NOW);
    const alpha = totals.find((t) => t.agent === 'alpha-agent')!;
    // The running run counts as a run but has no duration yet: the median is of 60 s and 120 s.
    expect([alpha.runs, alpha.costUsd, alpha.inputTokens, alpha.outputTokens, alpha.medianRunSec]).toEqual([3, 3.75, 4000, 400, 90]);
  });
});
