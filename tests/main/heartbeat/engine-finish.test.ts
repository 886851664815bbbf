// Ending a run whatever text its agent produced: a session id parsed from the agent's JSON, an
// event it printed or an error can carry NUL or an unpaired surrogate, which PostgreSQL refuses.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { agentRuntimeState, heartbeatRuns } from '../../../src/main/db/schema';
import { describeEachStore } from '../../helpers/stores';
import { startTestHost, type TestHost } from '../../helpers/host';

describeEachStore('finishing a run', (kind) => {
  let t: TestHost;
  beforeEach(async () => {
    t = await startTestHost(kind, { recoverOnStart: false, startScheduler: false });
  });
  afterEach(async () => {
    await t.stop();
    t.target.cleanup();
  });

  it('stores unstorable agent text as U+FFFD instead of failing to end the run', async () => {
    const agent = await t.call('agents.create', { name: 'odd-output', adapterType: 'process', command: 'true' });
    const issue = await t.call('issues.create', { title: 'odd output' });
    const { runId } = await t.host.engine.wake(agent.id, { source: 'on_demand', reason: 'test', issueId: issue.id });
    const db = t.host.ctx.db;
    const [queued] = await db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, runId!));

    const done = await t.host.engine.finishRun(queued, {
      status: 'failed',
      errorCode: 'adapter_failed',
      error: 'bad\u0000byte and a lone \uD800',
      exitCode: 1,
      signal: null,
      sessionId: 'session-\uDC00-x',
      usage: { inputTokens: 3, outputTokens: 4, costUsd: 0.25, model: 'm\u0000' } as never,
    });

    expect(done?.status).toBe('failed');
    const [row] = await db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, runId!));
    expect([row.status, row.error, row.sessionId]).toEqual(['failed', 'bad\uFFFDbyte and a lone \uFFFD', 'session-\uFFFD-x']);
    expect(row.usage).toMatchObject({ inputTokens: 3, outputTokens: 4, costUsd: 0.25 });
    const [state] = await db.select().from(agentRuntimeState).where(eq(agentRuntimeState.agentId, agent.id));
    expect(state.sessions[issue.id]).toBe('session-\uFFFD-x');
    expect([state.totalRuns, state.failedRuns, state.totalInputTokens]).toEqual([1, 1, 3]);
  });
});
