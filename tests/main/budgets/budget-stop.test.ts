// Budgets enforced during a run: a stand-in Claude that reports its cost after each turn is
// stopped within one report of crossing its agent's budget, recorded budget_exceeded, its agent
// paused and the person told; a wake is refused with the reason; raising the budget resumes
// the queue (the stopped run's work, queued again, runs). On PGlite and PostgreSQL.
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor, type TestHost } from '../../helpers/host';

const FAKE_BIN = resolve(__dirname, '../../fixtures/adapters/bin');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

describeEachStore('budgets stop a run as it crosses them', (kind) => {
  const host = hostPerTest(kind);

  const ended = (h: TestHost, runId: string) =>
    waitFor(async () => {
      const r = await h.call('runs.get', { run: runId });
      return TERMINAL.includes(r.status) ? r : null;
    }, 30_000, `run ${runId} to end`);

  it('stops the run at the first cost report past the budget, pauses the agent, refuses wakes; raising the budget resumes', async () => {
    const h = await host.start();
    const env = { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_FIXTURE: 'claude-growing-cost.jsonl', FAKE_CLAUDE_LINE_DELAY_MS: '400' };
    await h.call('agents.create', { name: 'spender', adapterType: 'claude_local', env });
    const budget = await h.call('budgets.set', { agent: 'spender', usd: 1, period: 'month' });
    expect([budget.limitUsd, budget.spentUsd, budget.over]).toEqual([1, 0, false]);

    const issue = await h.call('issues.create', { title: 'Spend', assignee: 'spender' });
    const [first] = (await h.call('runs.list', { issue: issue.identifier })).items;
    const run = await ended(h, first.id);
    expect([run.status, run.errorCode]).toEqual(['cancelled', 'budget_exceeded']);
    // Reports come at $0.40, $0.80, $1.20, $1.60, $2.00: stopped at the $1.20 one, before the next.
    expect(run.usage?.costUsd).toBe(1.2);
    expect(run.error).toContain('over budget');
    expect(run.processLossRetryCount).toBe(0);

    const agent = await h.call('agents.get', { agent: 'spender' });
    expect(agent.status).toBe('paused');
    const holds = await h.call('holds.list', {});
    expect(holds.map((x) => [x.kind, x.agentId])).toEqual([['budget', agent.id]]);
    expect(h.events.some((e) => e.event === 'host.notice' && e.data.message.includes('spender') && e.data.message.includes('paused'))).toBe(true);
    const [listed] = await h.call('budgets.list', { agent: 'spender' });
    expect([listed.spentUsd, listed.over]).toEqual([1.2, true]);

    const refused = await h.call('agents.wake', { agent: 'spender' });
    expect(refused.status).toBe('skipped');
    expect(refused.reason).toContain('budget');

    // The stopped run's work waits in the queue, not started while the agent is paused.
    const queued = (await h.call('runs.list', { issue: issue.identifier })).items.filter((r) => r.id !== first.id);
    expect(queued.map((r) => r.status)).toEqual(['queued']);
    expect((await h.call('escalations.list', { open: true })).length).toBe(0);

    // Raised: the agent resumes and the queued run starts (this time a short, cheap session).
    await h.call('agents.update', { agent: 'spender', patch: { env: { ...env, FAKE_CLAUDE_FIXTURE: 'claude-success.jsonl', FAKE_CLAUDE_LINE_DELAY_MS: '0' } } });
    await h.call('budgets.set', { agent: 'spender', usd: 10 });
    const resumed = await ended(h, queued[0].id);
    expect(resumed.status).toBe('succeeded');
    expect((await h.call('agents.get', { agent: 'spender' })).status).not.toBe('paused');
    expect(await h.call('holds.list', {})).toEqual([]);
  });

  it('a budget set below what was already spent pauses the agent at once; a token budget counts input and output', async () => {
    const h = await host.start();
    await h.call('agents.create', { name: 'tok', adapterType: 'claude_local', env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_FIXTURE: 'claude-growing-cost.jsonl', FAKE_CLAUDE_LINE_DELAY_MS: '400' } });
    // Turn usages: 1100, 2200, 3300 ... tokens summed over messages; 5000 is crossed at the third assistant message.
    await h.call('budgets.set', { agent: 'tok', tokens: 5000, period: 'total' });
    const issue = await h.call('issues.create', { title: 'Tokens', assignee: 'tok' });
    const [first] = (await h.call('runs.list', { issue: issue.identifier })).items;
    const run = await ended(h, first.id);
    expect([run.status, run.errorCode]).toEqual(['cancelled', 'budget_exceeded']);
    expect(run.error).toContain('tokens');
    // A total budget has no next period: the hold waits for a person.
    const [hold] = await h.call('holds.list', {});
    expect([hold.kind, hold.until]).toEqual(['budget', null]);
    await h.call('budgets.set', { agent: 'tok', tokens: 1_000_000 });
    expect((await h.call('agents.get', { agent: 'tok' })).status).not.toBe('paused');
    await h.call('budgets.set', { agent: 'tok', tokens: 10 });
    expect((await h.call('agents.get', { agent: 'tok' })).status).toBe('paused');
  });
});
