// Runs you can trust (issue #11), in one host process: a cancel during start, a spawn failure
// next to another host's run, pending input, the scheduler's fairness and wake-ups, sessions
// kept as reported, and what recovery may signal. PGlite and PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { agentRuntimeState, agentWakeupRequests, heartbeatRuns, issueComments, issues } from '../../../src/main/db/schema';
import { insertQueuedRuns } from '../../../src/main/heartbeat/queue';
import { describeEachStore, makeStoreTarget } from '../../helpers/stores';
import { fakeClaudeAgent, fakeCliEnv } from '../../helpers/fake-cli';
import { pidAlive, startTestHost, waitFor, type TestHost } from '../../helpers/host';

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];
/** A boot id that is not this machine's: a start identity recorded before some reboot. */
const OTHER_BOOT = '00000000-0000-4000-8000-000000000000';

const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describeEachStore('runs you can trust', (kind) => {
  let t: TestHost | null = null;
  const children: ChildProcess[] = [];
  // The first store of a worker is the slow one (PGlite's initdb): outside any test's time.
  beforeAll(async () => (await makeStoreTarget(kind)).cleanup(), 300_000);
  afterEach(async () => {
    for (const c of children.splice(0)) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await t?.stop();
    t?.target.cleanup();
    t = null;
  });
  const start = async (opts = {}) => (t = await startTestHost(kind, opts));
  const db = () => t!.host.ctx.db;
  const runRow = async (id: string) => (await db().select().from(heartbeatRuns).where(eq(heartbeatRuns.id, id)))[0];
  const settled = (id: string, ms = 30_000) =>
    waitFor(async () => {
      const r = await runRow(id);
      return TERMINAL.includes(r.status) ? r : null;
    }, ms, `run ${id} to end`);

  it('a cancel while a run is being started never lets its command start', async () => {
    const h = await start({ maxConcurrentRuns: 8 });
    const marker = join(h.target.dataDir, 'started.txt');
    const agent = await h.call('agents.create', { name: 'quick', adapterType: 'process', command: `echo "$VIGIL_RUN_ID" >> ${marker}; sleep 5`, maxConcurrentRuns: 8 });
    const cancelled: string[] = [];
    // At least six tries, at a different point each time, and more (bounded) until some cancel
    // landed before a process was recorded: how many do depends on the machine's speed.
    for (let i = 0; i < 40 && (i < 6 || cancelled.length === 0); i++) {
      const issue = await h.call('issues.create', { title: `cancel me ${i}` });
      const woke = await h.host.engine.wake(agent.id, { source: 'on_demand', reason: 'go', issueId: issue.id });
      // Cancel at a different point each time: at once (the gate has only begun to take it, which
      // a fast machine needs: a timer's turn can be enough for it to spawn), or after a moment.
      if (i % 6) await new Promise((r) => setTimeout(r, (i % 6) * 3));
      const dto = await h.call('runs.cancel', { run: woke.runId! });
      if (dto.status === 'cancelled' && dto.processPid === null) cancelled.push(woke.runId!);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const started = readLines(marker);
    // A run cancelled before it recorded a process never ran its command (and some were).
    expect(cancelled.length).toBeGreaterThan(0);
    for (const id of cancelled) expect(started).not.toContain(id);
  });

  it("a spawn failure on one host leaves another host's live run alone", async () => {
    const h = await start({ startScheduler: false });
    const agent = await h.call('agents.create', { name: 'other', adapterType: 'process', command: 'true' });
    const { runId } = await h.host.engine.wake(agent.id, { source: 'on_demand', reason: 'go' });
    const other = '1/another-host-instance';
    await db().update(heartbeatRuns).set({ status: 'running', hostInstanceId: other, processPid: 999_999_998 }).where(eq(heartbeatRuns.id, runId!));
    // What a host that failed to spawn it would write, had it claimed it itself: its own view of the row.
    const mine = { ...(await runRow(runId!)), status: 'starting', hostInstanceId: h.host.ctx.hostInstanceId };
    const ended = await h.host.engine.finishRuns([
      { run: mine, outcome: { status: 'failed', errorCode: 'spawn_failed', error: 'no such file', exitCode: null, signal: null }, from: ['starting', 'running'] },
    ]);
    expect(ended).toEqual([]);
    expect(await runRow(runId!)).toMatchObject({ status: 'running', hostInstanceId: other, errorCode: null });
  });

  it('a comment during a run is not lost: one follow-up run starts after it, and its prompt carries the comment', async () => {
    const h = await start();
    const argvFile = await fakeClaudeAgent(h, { FAKE_CLAUDE_HOLD_MS: '2500' });
    const issue = await h.call('issues.create', { title: 'Fix the parser', assignee: 'claude' });
    const first = await waitFor(async () => (await h.call('runs.list', { issue: issue.identifier })).items.find((r) => r.status === 'running'), 20_000, 'the run to start');
    await h.call('issues.comment', { issue: issue.identifier, body: 'Also handle CRLF line endings, please.' });
    await h.call('issues.comment', { issue: issue.identifier, body: 'And keep the old API.' });
    await settled(first.id);
    const followUp = await waitFor(async () => (await h.call('runs.list', { issue: issue.identifier })).items.find((r) => r.id !== first.id), 20_000, 'a follow-up run');
    await settled(followUp.id);
    // Exactly one follow-up for both comments.
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.call('runs.list', { issue: issue.identifier })).total).toBe(2);
    const argvs = readLines(argvFile).map((l) => JSON.parse(l).argv as string[]);
    expect(argvs).toHaveLength(2);
    const prompt = argvs[1][argvs[1].length - 1];
    expect(prompt).toContain('Also handle CRLF line endings, please.');
    expect(prompt).toContain('And keep the old API.');
    expect(prompt).toContain('New input arrived while your previous run was working');
  });

  it("the scheduler is fair per agent: one capped agent's backlog of 250 does not starve another", async () => {
    const h = await start({ startScheduler: false });
    const busy = await h.call('agents.create', { name: 'busy', adapterType: 'process', command: 'sleep 20' });
    const other = await h.call('agents.create', { name: 'other', adapterType: 'process', command: 'true' });
    const spec = (agentId: string) => ({ workspaceId: h.host.ctx.workspaceId, agentId, source: 'on_demand' as const, triggerDetail: 'user', reason: 'go', issueId: null });
    await db().transaction(async (tx) => {
      await insertQueuedRuns(tx, Array.from({ length: 250 }, () => spec(busy.id)));
    });
    await db().transaction(async (tx) => {
      await insertQueuedRuns(tx, [spec(other.id)]);
    });
    h.host.engine.start();
    const done = await waitFor(async () => (await h.call('runs.list', { agent: 'other' })).items.find((r) => r.status === 'succeeded'), 30_000, "the other agent's run to run");
    expect(done.status).toBe('succeeded');
    // The busy agent runs one at a time (its cap), the rest of its backlog still queued.
    const busyRuns = (await h.call('runs.list', { agent: 'busy', limit: 500 })).items;
    expect(busyRuns.filter((r) => r.status === 'running' || r.status === 'starting')).toHaveLength(1);
  });

  it("the periodic sweep's retry of a lost run starts without any other wake", async () => {
    const h = await start({ sweepIntervalMs: 500 });
    // The sweep is periodic while runs are active (issue 26: an idle PGlite host, the only
    // writer, sweeps once after its own changes, never for a row written behind its back).
    await h.call('agents.create', { name: 'steady', adapterType: 'process', command: 'sleep 60' });
    await h.call('agents.wake', { agent: 'steady' });
    await waitFor(() => h.host.busy.busy, 15_000, 'the host busy with the steady run');
    const agent = await h.call('agents.create', { name: 'lost', adapterType: 'process', command: 'true' });
    const issue = await h.call('issues.create', { title: 'lost work' });
    const runId = randomUUID();
    await db().insert(heartbeatRuns).values({
      id: runId,
      workspaceId: h.host.ctx.workspaceId,
      agentId: agent.id,
      invocationSource: 'assignment',
      status: 'running',
      issueId: issue.id,
      contextSnapshot: { issueId: issue.id, wakeReason: 'issue_assigned' },
      hostId: h.host.ctx.machineId,
      processPid: 999_999_997,
      startedAt: new Date(),
    });
    await db().update(issues).set({ status: 'in_progress', assigneeAgentId: agent.id, executionRunId: runId }).where(eq(issues.id, issue.id));
    const retry = await waitFor(async () => (await db().select().from(heartbeatRuns).where(eq(heartbeatRuns.retryOfRunId, runId)))[0], 20_000, 'the retry to be queued');
    const ended = await settled(retry.id);
    expect(ended.status).toBe('succeeded');
  });

  it('a claude session is kept the moment the CLI reports it, before the run ends', async () => {
    const h = await start();
    await h.call('agents.create', {
      name: 'claude',
      adapterType: 'claude_local',
      env: fakeCliEnv({ FAKE_CLAUDE_HOLD_MS: '60000' }),
    });
    const issue = await h.call('issues.create', { title: 'Long work', assignee: 'claude' });
    const agentRow = (await h.call('agents.get', { agent: 'claude' })) as { id: string };
    const session = await waitFor(async () => {
      const [state] = await db().select().from(agentRuntimeState).where(eq(agentRuntimeState.agentId, agentRow.id));
      return state?.sessions?.[issue.id];
    }, 20_000, "the issue's session to be stored while the run lives");
    const [run] = (await h.call('runs.list', { issue: issue.identifier })).items;
    expect(run.status).toBe('running');
    expect((await runRow(run.id)).sessionId).toBe(session);
  });

  async function seedLiveRun(input: { processPid: number; processGroupId: number; processStartId: string | null; wakeReason?: string; commentId?: string }) {
    const h = t!;
    const agent = await h.call('agents.create', { name: `a-${randomUUID().slice(0, 6)}`, adapterType: 'claude_local' });
    await h.call('agents.pause', { agent: agent.id });
    const issue = await h.call('issues.create', { title: 'seeded' });
    const runId = randomUUID();
    const wakeupId = randomUUID();
    await db().insert(agentWakeupRequests).values({ id: wakeupId, workspaceId: h.host.ctx.workspaceId, agentId: agent.id, source: 'on_demand', reason: input.wakeReason ?? 'issue_assigned', status: 'claimed', runId });
    await db().insert(heartbeatRuns).values({
      id: runId,
      workspaceId: h.host.ctx.workspaceId,
      agentId: agent.id,
      invocationSource: 'on_demand',
      status: 'running',
      wakeupRequestId: wakeupId,
      issueId: issue.id,
      contextSnapshot: { issueId: issue.id, wakeReason: input.wakeReason ?? 'issue_assigned', ...(input.commentId ? { commentId: input.commentId } : {}) },
      hostId: h.host.ctx.machineId,
      processPid: input.processPid,
      processGroupId: input.processGroupId,
      processStartId: input.processStartId,
      startedAt: new Date(),
    });
    await db().update(issues).set({ status: 'in_progress', assigneeAgentId: agent.id, executionRunId: runId }).where(eq(issues.id, issue.id));
    return { runId, issueId: issue.id, agentId: agent.id };
  }

  /** A process group Vigil did not start: its leader exits at once, a member lives on (no cookie). */
  async function strangersGroup(): Promise<{ leaderPid: number; memberPid: number }> {
    const leader = spawn(
      process.execPath,
      ['-e', "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); process.stdout.write(String(c.pid)); setTimeout(() => process.exit(0), 50);"],
      { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, VIGIL_RUN_ID: '' } },
    );
    children.push(leader);
    let out = '';
    leader.stdout!.on('data', (d) => (out += String(d)));
    await new Promise<void>((resolve) => leader.once('exit', () => resolve()));
    return { leaderPid: leader.pid!, memberPid: Number(out) };
  }

  it("a start identity from another boot never vouches for a group: recovery does not signal a stranger's processes", async () => {
    await start({ recoverOnStart: false, startScheduler: false });
    const group = await strangersGroup();
    const { runId } = await seedLiveRun({ processPid: group.leaderPid, processGroupId: group.leaderPid, processStartId: `${OTHER_BOOT}:12345` });
    const result = await t!.host.recovery.reapOrphanedRuns();
    expect(result.runIds).toEqual([runId]);
    expect(result.terminatedProcesses).toBe(0);
    expect(pidAlive(group.memberPid)).toBe(true);
    process.kill(group.memberPid, 'SIGKILL');
  });

  it("a group whose leader is gone is signalled only when one of its processes carries the run's cookie", async () => {
    await start({ recoverOnStart: false, startScheduler: false });
    const group = await strangersGroup();
    await seedLiveRun({ processPid: group.leaderPid, processGroupId: group.leaderPid, processStartId: null });
    const result = await t!.host.recovery.reapOrphanedRuns();
    expect(result.terminatedProcesses).toBe(0);
    expect(pidAlive(group.memberPid)).toBe(true);
    process.kill(group.memberPid, 'SIGKILL');
  });

  it('the retry of a lost run keeps the wake reason and the comment that caused it', async () => {
    await start({ recoverOnStart: false, startScheduler: false });
    const issue = await t!.call('issues.create', { title: 'for the comment' });
    const comment = await t!.call('issues.comment', { issue: issue.identifier, body: 'Please rename the flag.' });
    const { runId } = await seedLiveRun({ processPid: 999_999_996, processGroupId: 999_999_996, processStartId: null, wakeReason: 'issue_commented', commentId: comment.id });
    await t!.host.recovery.reapOrphanedRuns();
    const [retry] = await db().select().from(heartbeatRuns).where(eq(heartbeatRuns.retryOfRunId, runId));
    expect(retry.contextSnapshot).toMatchObject({ wakeReason: 'issue_commented', commentId: comment.id, retryReason: 'process_loss' });
    expect((await db().select().from(issueComments).where(eq(issueComments.id, comment.id))).length).toBe(1);
  });
});
