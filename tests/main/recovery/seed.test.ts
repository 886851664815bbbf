// The seed's heartbeat-recovery scenarios, ported to Vigil's own API, on PGlite and PostgreSQL,
// plus what Vigil adds: process identity (recycled pids), cookie search, escalation of a failed
// retry. Recovery is driven by hand: the host starts with recovery and the scheduler off.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { agentRuntimeState, agentWakeupRequests, escalations, heartbeatRunEvents, heartbeatRuns, issueComments, issues } from '../../../src/main/db/schema';
import { readProcStat, readStartIdentity } from '../../../src/node/process/identity';
import { spawnInPty } from '../../../src/node/process/pty';
import { describeEachStore } from '../../helpers/stores';
import { pidAlive, startTestHost, waitFor, type TestHost } from '../../helpers/host';

/** A live process leading its own group, as a run's pty session leader does. */
function spawnAlive(env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true, env: { ...process.env, ...env } });
}

/** A detached group whose leader exits at once, leaving a child alive in the group. */
async function spawnOrphanedGroup(env: Record<string, string> = {}): Promise<{ leaderPid: number; descendantPid: number }> {
  const leader = spawn(
    process.execPath,
    [
      '-e',
      "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); process.stdout.write(String(c.pid)); setTimeout(() => process.exit(0), 50);",
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } },
  );
  let out = '';
  leader.stdout!.on('data', (d) => (out += String(d)));
  await new Promise<void>((resolve, reject) => {
    leader.once('error', reject);
    leader.once('exit', () => resolve());
  });
  const descendantPid = Number.parseInt(out, 10);
  if (!Number.isInteger(descendantPid)) throw new Error(`no descendant pid in "${out}"`);
  return { leaderPid: leader.pid!, descendantPid };
}

describeEachStore('recovery: the seed scenarios', (kind) => {
  let t: TestHost;
  const cleanup: number[] = [];
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    t = await startTestHost(kind, { recoverOnStart: false, startScheduler: false });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const pid of cleanup.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await t.stop();
    t.target.cleanup();
  });

  const db = () => t.host.ctx.db;

  /** An assignment's wake and its run, as the engine writes them (source assignment, by the system); returns the wake's id. */
  async function insertAssignment(
    agentId: string,
    runId: string,
    wake: Omit<typeof agentWakeupRequests.$inferInsert, 'id' | 'workspaceId' | 'agentId' | 'source'>,
    run: Omit<typeof heartbeatRuns.$inferInsert, 'id' | 'workspaceId' | 'agentId' | 'invocationSource'>,
  ): Promise<string> {
    const wakeupId = randomUUID();
    await db().insert(agentWakeupRequests).values({ id: wakeupId, workspaceId: t.host.ctx.workspaceId, agentId, source: 'assignment', triggerDetail: 'system', runId, ...wake });
    await db().insert(heartbeatRuns).values({ id: runId, workspaceId: t.host.ctx.workspaceId, agentId, invocationSource: 'assignment', triggerDetail: 'system', wakeupRequestId: wakeupId, ...run });
    return wakeupId;
  }

  async function seedRun(input: {
    processPid?: number | null;
    processGroupId?: number | null;
    processStartId?: string | null;
    processLossRetryCount?: number;
    includeIssue?: boolean;
    errorCode?: string | null;
    error?: string | null;
    runId?: string;
  } = {}) {
    const agent = await t.call('agents.create', { name: `coder-${randomUUID().slice(0, 6)}`, adapterType: 'codex_local' });
    await t.call('agents.pause', { agent: agent.id });
    const runId = input.runId ?? randomUUID();
    const withIssue = input.includeIssue !== false;
    const issue = withIssue ? await t.call('issues.create', { title: 'Recover local adapter after lost process' }) : null;
    const now = new Date('2026-03-19T00:00:00.000Z');
    const wakeupId = await insertAssignment(agent.id, runId, { reason: 'issue_assigned', payload: issue ? { issueId: issue.id } : {}, status: 'claimed', claimedAt: now }, {
      status: 'running',
      issueId: issue?.id ?? null,
      contextSnapshot: issue ? { issueId: issue.id } : {},
      hostId: t.host.ctx.machineId,
      processPid: input.processPid ?? null,
      processGroupId: input.processGroupId ?? null,
      processStartId: input.processStartId ?? null,
      processLossRetryCount: input.processLossRetryCount ?? 0,
      errorCode: input.errorCode ?? null,
      error: input.error ?? null,
      startedAt: now,
      updatedAt: now,
    });
    if (issue) {
      await db()
        .update(issues)
        .set({ status: 'in_progress', assigneeAgentId: agent.id, checkoutRunId: runId, executionRunId: runId })
        .where(eq(issues.id, issue.id));
    }
    return { agentId: agent.id, runId, wakeupId, issueId: issue?.id ?? null };
  }

  const runsOf = (agentId: string) => db().select().from(heartbeatRuns).where(eq(heartbeatRuns.agentId, agentId));
  const issueRow = async (id: string) => (await db().select().from(issues).where(eq(issues.id, id)))[0];

  it('keeps a run running, marked detached, when its recorded process is still alive with its terminal', async () => {
    // Its terminal's master is held here, as by a pty host this host could not reach.
    const inPty = spawnInPty({ file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], cwd: process.cwd(), env: { PATH: process.env.PATH ?? '' } });
    inPty.onData(() => undefined);
    cleanup.push(inPty.pid);
    const child = { pid: inPty.pid };
    const { runId, wakeupId } = await seedRun({ processPid: child.pid!, processStartId: readStartIdentity(child.pid!), includeIssue: false });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.reaped).toBe(0);
    expect(result.detached).toEqual([runId]);
    const run = await t.call('runs.get', { run: runId });
    expect(run.status).toBe('running');
    expect(run.errorCode).toBe('process_detached');
    expect(run.error).toContain(String(child.pid));
    const [wakeup] = await db().select().from(agentWakeupRequests).where(eq(agentWakeupRequests.id, wakeupId));
    expect(wakeup.status).toBe('claimed');
    expect(pidAlive(child.pid!)).toBe(true);
  });

  it('stops a live recorded process whose terminal is gone, and retries its run once as the machine\'s failure', async () => {
    // No controlling terminal: what an agent ignoring SIGHUP has once its pty host died.
    const child = spawnAlive();
    children.push(child);
    const { agentId, runId } = await seedRun({ processPid: child.pid!, processGroupId: child.pid!, processStartId: readStartIdentity(child.pid!) });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.detached).toEqual([]);
    expect(result.runIds).toEqual([runId]);
    await waitFor(() => !pidAlive(child.pid!) || child.exitCode !== null || child.signalCode !== null, 10_000, 'the process to be stopped');
    const runs = await runsOf(agentId);
    const lost = runs.find((r) => r.id === runId)!;
    expect(lost.errorCode).toBe('process_lost');
    expect(lost.error).toContain('Its terminal was lost');
    expect(lost.error).toContain(`pid ${child.pid} was still running`);
    const retries = runs.filter((r) => r.retryOfRunId === runId);
    expect(retries).toHaveLength(1);
    expect(retries[0].contextSnapshot.infrastructureRetry).toBe(true);
  });

  it('queues exactly one retry when the recorded process is dead', async () => {
    const { agentId, runId, issueId } = await seedRun({ processPid: 999_999_999 });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.reaped).toBe(1);
    expect(result.runIds).toEqual([runId]);
    const runs = await runsOf(agentId);
    expect(runs).toHaveLength(2);
    const failed = runs.find((r) => r.id === runId)!;
    const retry = runs.find((r) => r.id !== runId)!;
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('process_lost');
    expect(retry.status).toBe('queued');
    expect(retry.retryOfRunId).toBe(runId);
    expect(retry.processLossRetryCount).toBe(1);
    expect(retry.invocationSource).toBe('automation');
    const issue = await issueRow(issueId!);
    expect(issue.executionRunId).toBe(retry.id);
    expect(issue.checkoutRunId).toBe(runId);
  });

  it('ends hundreds of lost runs at once: one retry each, its issue pointed at it, totals counted', async () => {
    // More runs than one recovery transaction holds, spread over three agents; every tenth was
    // already the process-loss retry and gets none.
    const agentIds: string[] = [];
    for (let a = 0; a < 3; a++) agentIds.push((await t.call('agents.create', { name: `bulk-${a}`, adapterType: 'process', command: 'true' })).id);
    const ws = t.host.ctx.workspaceId;
    const seeded = Array.from({ length: 260 }, (_, i) => ({
      runId: randomUUID(),
      wakeupId: randomUUID(),
      issueId: randomUUID(),
      agentId: agentIds[i % 3],
      wasRetry: i % 10 === 0,
    }));
    await db()
      .insert(issues)
      .values(seeded.map((s, i) => ({ id: s.issueId, workspaceId: ws, number: 9000 + i, identifier: `BULK-${9000 + i}`, title: `bulk ${i}`, status: 'in_progress', assigneeAgentId: s.agentId, executionRunId: s.runId })));
    await db()
      .insert(agentWakeupRequests)
      .values(seeded.map((s) => ({ id: s.wakeupId, workspaceId: ws, agentId: s.agentId, source: 'assignment', triggerDetail: 'system', reason: 'issue_assigned', status: 'claimed', runId: s.runId })));
    await db()
      .insert(heartbeatRuns)
      .values(
        seeded.map((s) => ({
          id: s.runId,
          workspaceId: ws,
          agentId: s.agentId,
          invocationSource: 'assignment',
          triggerDetail: 'system',
          status: 'running',
          wakeupRequestId: s.wakeupId,
          issueId: s.issueId,
          contextSnapshot: { issueId: s.issueId },
          hostId: t.host.ctx.machineId,
          processPid: 999_999_999,
          processLossRetryCount: s.wasRetry ? 1 : 0,
          startedAt: new Date(),
        })),
      );

    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.reaped).toBe(260);
    expect(new Set(result.runIds)).toEqual(new Set(seeded.map((s) => s.runId)));

    const runs = await db().select().from(heartbeatRuns);
    const byId = new Map(runs.map((r) => [r.id, r]));
    const retryOf = new Map(runs.filter((r) => r.retryOfRunId).map((r) => [r.retryOfRunId!, r]));
    expect(runs.filter((r) => r.retryOfRunId)).toHaveLength(234);
    const issueRows = new Map((await db().select().from(issues)).map((i) => [i.id, i]));
    const wakeups = new Map((await db().select().from(agentWakeupRequests)).map((w) => [w.id, w]));
    for (const s of seeded) {
      const lost = byId.get(s.runId)!;
      expect([lost.status, lost.errorCode, lost.finishedAt !== null]).toEqual(['failed', 'process_lost', true]);
      expect(wakeups.get(s.wakeupId)!.status).toBe('failed');
      const retry = retryOf.get(s.runId);
      if (s.wasRetry) {
        expect(retry).toBeUndefined();
        expect(issueRows.get(s.issueId)!.executionRunId).toBeNull();
      } else {
        expect([retry!.status, retry!.agentId, retry!.issueId, retry!.processLossRetryCount]).toEqual(['queued', s.agentId, s.issueId, 1]);
        expect(retry!.contextSnapshot.retryReason).toBe('process_loss');
        expect(wakeups.get(retry!.wakeupRequestId!)!.status).toBe('queued');
        expect(issueRows.get(s.issueId)!.executionRunId).toBe(retry!.id);
      }
    }
    const finished = await db().select().from(heartbeatRunEvents).where(eq(heartbeatRunEvents.type, 'finished'));
    expect(finished.map((e) => e.runId).sort()).toEqual(seeded.map((s) => s.runId).sort());
    for (const agentId of agentIds) {
      const [state] = await db().select().from(agentRuntimeState).where(eq(agentRuntimeState.agentId, agentId));
      const mine = seeded.filter((s) => s.agentId === agentId).length;
      expect([state.totalRuns, state.failedRuns, state.lastRunStatus]).toEqual([mine, mine, 'failed']);
    }
    // The lost retries were escalated (retrying did not help); the rest wait for their retry.
    const open = await db().select().from(escalations);
    expect(open.map((e) => e.issueId).sort()).toEqual(seeded.filter((s) => s.wasRetry).map((s) => s.issueId).sort());
  });

  it('reaps an orphaned descendant process group whose leader is already gone', async () => {
    // A run's processes carry its cookie: with the leader gone, that is what vouches for the group.
    const seededRunId = randomUUID();
    const orphan = await spawnOrphanedGroup({ VIGIL_RUN_ID: seededRunId });
    cleanup.push(orphan.descendantPid);
    expect(pidAlive(orphan.descendantPid)).toBe(true);
    const { agentId, runId, issueId } = await seedRun({ processPid: orphan.leaderPid, processGroupId: orphan.leaderPid, runId: seededRunId });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.reaped).toBe(1);
    expect(result.runIds).toEqual([runId]);
    await waitFor(() => !pidAlive(orphan.descendantPid), 5000, 'the descendant to die');
    const runs = await runsOf(agentId);
    expect(runs).toHaveLength(2);
    const failed = runs.find((r) => r.id === runId)!;
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('process_lost');
    expect(failed.error).toContain('in its process group');
    const retry = runs.find((r) => r.id !== runId)!;
    expect(retry.status).toBe('queued');
    expect((await issueRow(issueId!)).executionRunId).toBe(retry.id);
  });

  it('does not queue a second retry once the process-loss retry was used, and escalates', async () => {
    const { agentId, runId, issueId } = await seedRun({ processPid: 999_999_999, processLossRetryCount: 1 });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.reaped).toBe(1);
    expect(result.runIds).toEqual([runId]);
    const runs = await runsOf(agentId);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('failed');
    const issue = await issueRow(issueId!);
    expect(issue.executionRunId).toBeNull();
    expect(issue.checkoutRunId).toBe(runId);
    // Vigil goes beyond the seed: retrying did not help, so a person is told.
    expect(issue.status).toBe('blocked');
    const open = await db().select().from(escalations).where(eq(escalations.issueId, issueId!));
    expect(open.map((e) => e.kind)).toEqual(['run_failed_after_retry']);
    expect(t.events.some((e) => e.event === 'escalation.opened')).toBe(true);
  });

  it('clears the detached warning when the run reports activity again', async () => {
    const { runId } = await seedRun({
      includeIssue: false,
      errorCode: 'process_detached',
      error: 'Lost in-memory process handle, but child pid 123 is still alive',
    });
    const updated = await t.host.engine.reportActivity(runId);
    expect(updated?.errorCode).toBeNull();
    expect(updated?.error).toBeNull();
    const run = await t.call('runs.get', { run: runId });
    expect(run.errorCode).toBeNull();
    expect(run.error).toBeNull();
  });

  it('cancels a recorded running run it does not hold, and records who did it (no telemetry leaves the machine)', async () => {
    const child = spawnAlive();
    children.push(child);
    const { runId } = await seedRun({ processPid: child.pid!, processGroupId: child.pid!, processStartId: readStartIdentity(child.pid!), includeIssue: false });
    const run = await t.call('runs.cancel', { run: runId });
    expect(run.status).toBe('cancelled');
    await waitFor(() => !pidAlive(child.pid!) || child.exitCode !== null || child.signalCode !== null, 5000, 'the process to stop');
    const activity = await t.call('activity.list', { entityId: runId });
    expect(activity.map((a) => a.action)).toContain('run.cancelled');
  });

  it('treats a live pid with another start identity as dead, and never signals it', async () => {
    const stranger = spawnAlive();
    children.push(stranger);
    const { agentId, runId } = await seedRun({
      processPid: stranger.pid!,
      processGroupId: stranger.pid!,
      processStartId: 'another-boot:12345',
    });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.runIds).toEqual([runId]);
    expect(result.terminatedProcesses).toBe(0);
    expect((await runsOf(agentId)).find((r) => r.id === runId)?.errorCode).toBe('process_lost');
    await new Promise((r) => setTimeout(r, 300));
    expect(pidAlive(stranger.pid!)).toBe(true);
  });

  it('finds a process that escaped to a new session by its run cookie, and kills it', async () => {
    const runId = randomUUID();
    // Not detached: setsid(1) then execs in place (it forks only when already a group leader).
    const escaped = spawn('setsid', ['sleep', '600'], { stdio: 'ignore', env: { ...process.env, VIGIL_RUN_ID: runId } });
    children.push(escaped);
    await waitFor(() => readProcStat(escaped.pid!)?.comm === 'sleep', 5000, 'setsid child');
    const { agentId } = await seedRun({ runId, processPid: 999_999_998, processGroupId: 999_999_998 });
    const result = await t.host.recovery.reapOrphanedRuns();
    expect(result.runIds).toEqual([runId]);
    expect(result.terminatedProcesses).toBeGreaterThanOrEqual(1);
    await waitFor(() => escaped.exitCode !== null || escaped.signalCode !== null, 5000, 'the escaped process to die');
    expect((await runsOf(agentId)).find((r) => r.id === runId)?.error).toContain("found by the run's cookie");
  });

  // ---- stranded assigned issues
  async function seedStranded(input: {
    status: 'todo' | 'in_progress';
    runStatus: 'failed' | 'timed_out' | 'cancelled' | 'succeeded';
    retryReason?: 'assignment_recovery' | 'issue_continuation_needed';
    assignToUser?: boolean;
  }) {
    const agent = await t.call('agents.create', { name: `coder-${randomUUID().slice(0, 6)}`, adapterType: 'process', command: 'true' });
    const issue = await t.call('issues.create', { title: 'Recover stranded assigned work' });
    const runId = randomUUID();
    const at = new Date('2026-03-19T00:05:00.000Z');
    const wake = { reason: input.retryReason === 'assignment_recovery' ? 'issue_assignment_recovery' : 'issue_assigned', payload: { issueId: issue.id }, status: input.runStatus === 'cancelled' ? 'cancelled' : 'failed', finishedAt: at };
    await insertAssignment(agent.id, runId, wake, {
      status: input.runStatus,
      issueId: issue.id,
      contextSnapshot: { issueId: issue.id, wakeReason: 'issue_assigned', ...(input.retryReason ? { retryReason: input.retryReason } : {}) },
      errorCode: input.runStatus === 'succeeded' ? null : 'process_lost',
      error: input.runStatus === 'succeeded' ? null : 'run failed before issue advanced',
      startedAt: at,
      finishedAt: at,
    });
    await db()
      .update(issues)
      .set({
        status: input.status,
        assigneeAgentId: input.assignToUser ? null : agent.id,
        assigneeUserId: input.assignToUser ? 'user-1' : null,
        checkoutRunId: input.status === 'in_progress' ? runId : null,
        executionRunId: null,
      })
      .where(eq(issues.id, issue.id));
    return { agentId: agent.id, issueId: issue.id, runId };
  }

  /** Stranded work seeded, then one pass of the recovery over it. */
  const reconciled = async (input: Parameters<typeof seedStranded>[0]) => ({ ...(await seedStranded(input)), result: await t.host.recovery.reconcileStrandedAssignedIssues() });
  /** The stranded work was queued again: a second run, for this reason. */
  const expectRequeued = async (agentId: string, runId: string, reason: string) => {
    const runs = await runsOf(agentId);
    expect(runs).toHaveLength(2);
    expect(runs.find((r) => r.id !== runId)?.contextSnapshot.retryReason).toBe(reason);
  };
  /** The issue is blocked, with one comment that says why. */
  const expectBlocked = async (issueId: string, why: string) => {
    expect((await issueRow(issueId)).status).toBe('blocked');
    const comments = await db().select().from(issueComments).where(eq(issueComments.issueId, issueId));
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toContain(why);
    return comments;
  };

  it.each([
    ['re-dispatches assigned todo work whose last run died with no wake left', 'todo', { dispatchRequeued: 1, continuationRequeued: 0 }, 'assignment_recovery'],
    ['queues a continuation for stranded in-progress work with no live run', 'in_progress', { dispatchRequeued: 0, continuationRequeued: 1 }, 'issue_continuation_needed'],
  ] as const)('%s', async (_, status, requeued, reason) => {
    const { agentId, issueId, runId, result } = await reconciled({ status, runStatus: 'failed' });
    expect(result).toMatchObject({ ...requeued, escalated: 0, issueIds: [issueId] });
    await expectRequeued(agentId, runId, reason);
  });

  it('blocks assigned todo work once its one dispatch recovery was used', async () => {
    const { issueId, result } = await reconciled({ status: 'todo', runStatus: 'failed', retryReason: 'assignment_recovery' });
    expect(result).toMatchObject({ dispatchRequeued: 0, escalated: 1, issueIds: [issueId] });
    const comments = await expectBlocked(issueId, 'retried dispatch');
    expect(comments[0].authorType).toBe('system');
    const activity = await t.call('activity.list', { entityId: issueId });
    expect(activity.map((a) => a.action)).toContain('issue.escalated');
    expect(t.events.filter((e) => e.event === 'escalation.opened')).toHaveLength(1);
  });

  it('blocks stranded in-progress work once its continuation was used', async () => {
    const { issueId, result } = await reconciled({ status: 'in_progress', runStatus: 'failed', retryReason: 'issue_continuation_needed' });
    expect(result).toMatchObject({ continuationRequeued: 0, escalated: 1, issueIds: [issueId] });
    await expectBlocked(issueId, 'retried continuation');
  });

  it('never touches user-assigned work', async () => {
    const { issueId, runId, result } = await reconciled({ status: 'todo', runStatus: 'failed', assignToUser: true });
    expect(result).toMatchObject({ dispatchRequeued: 0, continuationRequeued: 0, escalated: 0 });
    expect((await issueRow(issueId)).status).toBe('todo');
    expect(await db().select().from(heartbeatRuns).where(eq(heartbeatRuns.issueId, issueId))).toHaveLength(1);
    expect(runId).toBeTruthy();
  });

  it('leaves work a person cancelled alone', async () => {
    const { issueId } = await seedStranded({ status: 'todo', runStatus: 'cancelled' });
    await db().update(heartbeatRuns).set({ errorCode: 'cancelled' }).where(eq(heartbeatRuns.issueId, issueId));
    const result = await t.host.recovery.reconcileStrandedAssignedIssues();
    expect(result.issueIds).toEqual([]);
  });
});
