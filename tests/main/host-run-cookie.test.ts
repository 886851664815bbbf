// An agent's process carries its run's cookie (VIGIL_RUN_ID): its `vigil` calls are its run's
// for as long as the run is live. A run is `starting` from its claim until its process is
// recorded, and an agent can call back in that window (its process exists before the host
// records it): it must not be told its run has ended. PGlite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { heartbeatRuns } from '../../src/main/db/schema';
import { insertQueuedRun } from '../../src/main/heartbeat/queue';
import { describeEachStore, makeStoreTarget } from '../helpers/stores';
import { hostPerTest } from '../helpers/host';

describeEachStore("a run's cookie while the run is live", (kind) => {
  const host = hostPerTest(kind);
  beforeAll(async () => (await makeStoreTarget(kind)).cleanup(), 300_000);

  /** A host with one run in `status`; its api. */
  const runIn = async (status: 'queued' | 'starting' | 'running' | 'succeeded') => {
    const t = await host.start({ startScheduler: false, recoverOnStart: false });
    const agent = await t.call('agents.create', { name: 'caller', adapterType: 'process', command: 'true' });
    const db = t.host.ctx.db;
    const run = await db.transaction((tx) =>
      insertQueuedRun(tx, { workspaceId: t.host.ctx.workspaceId, agentId: agent.id, source: 'on_demand', triggerDetail: 'user', reason: 'test', issueId: null }),
    );
    await db.update(heartbeatRuns).set({ status }).where(eq(heartbeatRuns.id, run.id));
    return { runId: run.id, agentId: agent.id, api: t.host.api };
  };

  for (const status of ['queued', 'starting', 'running'] as const) {
    it(`a call from a process of a ${status} run acts for that run`, async () => {
      const { runId, agentId, api } = await runIn(status);
      const scope = await api.scopeOf({ kind: 'agent', runToken: randomUUID(), processRunId: runId });
      expect(scope).toEqual({ runId, agentId, issueId: null });
    });
  }

  it('a call from a process of an ended run is refused, saying the run has ended', async () => {
    const { runId, api } = await runIn('succeeded');
    await expect(api.scopeOf({ kind: 'agent', runToken: randomUUID(), processRunId: runId })).rejects.toThrow(/which has ended/);
  });
});
