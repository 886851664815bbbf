// The heartbeat engine with real processes in real ptys, on PGlite and PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunDto } from '../../../src/shared/contract';
import { MASKED_SECRET } from '../../../src/shared/domain';
import type { HostOptions } from '../../../src/main/host-types';
import { livePtyHost } from '../../../src/main/ptyhost/launch';
import { describeEachStore, makeStoreTarget } from '../../helpers/stores';
import { fakeClaudeAgent, fakeCliEnv } from '../../helpers/fake-cli';
import { ensureBuilt, ROOT } from '../../helpers/serve';
import { pidAlive, hostPerTest, startTestHost, waitFor, type TestHost } from '../../helpers/host';

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];
const PTY_HOST_SCRIPT = join(ROOT, 'out', 'main', 'ptyhost.js');

const settledRun = (h: TestHost, runId: string, ms = 20_000) =>
  waitFor(async () => {
    const r = await h.call('runs.get', { run: runId });
    return TERMINAL.includes(r.status) ? r : null;
  }, ms, `run ${runId} to end`);
const log = async (h: TestHost, runId: string) => Buffer.from((await h.call('runs.log', { run: runId })).data, 'base64').toString();

/**
 * What a run's process and log must do wherever its pty is: in this process (the fallback) and
 * in the pty host the product uses. `start` gives a host of either kind.
 */
function processCases(start: (opts?: Partial<HostOptions>) => Promise<TestHost>): void {
  it('a timeout kills the whole process group, grandchildren included', async () => {
    const h = await start();
    const pidFile = join(h.target.dataDir, 'pids');
    await h.call('agents.create', {
      name: 'stuck',
      adapterType: 'process',
      timeoutSec: 1,
      command: `sleep 600 & echo $! >> ${pidFile}; setsid sleep 601 & echo $! >> ${pidFile}; trap '' TERM; sleep 600`,
    });
    const w = await h.call('agents.wake', { agent: 'stuck' });
    const done = await settledRun(h, w.runId!);
    expect(done).toMatchObject({ status: 'timed_out', errorCode: 'timeout' });
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every((p) => !pidAlive(p)), 5000, 'grandchildren to die');
  });

  it('cancel kills the whole process group', async () => {
    const h = await start();
    const pidFile = join(h.target.dataDir, 'pids');
    await h.call('agents.create', { name: 'long', adapterType: 'process', command: `nohup sleep 600 >/dev/null 2>&1 & echo $! > ${pidFile}; sleep 600` });
    const w = await h.call('agents.wake', { agent: 'long' });
    await waitFor(() => { try { return readFileSync(pidFile, 'utf8').trim(); } catch { return null; } }, 10_000, 'pid file');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const run = await h.call('runs.cancel', { run: w.runId! });
    expect(run).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
    await waitFor(() => !pidAlive(grandchild) && !pidAlive(run.processPid!), 5000, 'the group to die');
  });

  it('keeps every byte of a 50 MB burst (sha256 compared)', async () => {
    const h = await start();
    const payload = join(h.target.dataDir, 'payload.bin');
    const bytes = randomBytes(50 * 1024 * 1024);
    writeFileSync(payload, bytes);
    await h.call('agents.create', { name: 'burst', adapterType: 'process', command: `stty raw -echo -opost; cat ${payload}` });
    const w = await h.call('agents.wake', { agent: 'burst' });
    const done = await settledRun(h, w.runId!, 60_000);
    expect(done.status).toBe('succeeded');
    const expected = createHash('sha256').update(bytes).digest('hex');
    expect(done.logBytes).toBe(bytes.length);
    expect(done.logSha256).toBe(expected);
    const onDisk = readFileSync(join(h.target.dataDir, 'logs', `${w.runId}.log`));
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(expected);
  }, 120_000);

  it('never lets a secret reach the log, the live events or the agent as seen by clients', async () => {
    const h = await start();
    const secret = 'sk-live-4f9a8b7c6d5e';
    // Names say nothing: every value is a secret unless its name is marked public.
    const others = { DB_PASS: 'db-pass-value-1', GITHUB_PAT: 'github_pat_11ABCDEFG', MY_CONFIG: 'config-with-credentials' };
    const agent = await h.call('agents.create', {
      name: 'sec',
      adapterType: 'process',
      env: { API_TOKEN: secret, PLAIN: 'visible-value', ...others },
      envPublic: ['PLAIN'],
      command: 'echo "token=$API_TOKEN plain=$PLAIN run=$VIGIL_RUN_TOKEN db=$DB_PASS pat=$GITHUB_PAT cfg=$MY_CONFIG"; printenv API_TOKEN',
    });
    expect(agent.env).toEqual({ API_TOKEN: MASKED_SECRET, PLAIN: 'visible-value', DB_PASS: MASKED_SECRET, GITHUB_PAT: MASKED_SECRET, MY_CONFIG: MASKED_SECRET });
    expect(agent.envPublic).toEqual(['PLAIN']);
    expect(JSON.stringify(await h.call('agents.list', {}))).not.toMatch(/db-pass-value|github_pat_|config-with/);
    const w = await h.call('agents.wake', { agent: 'sec' });
    await settledRun(h, w.runId!);
    const text = await log(h, w.runId!);
    expect(text).toContain('plain=visible-value');
    expect(text).toContain(`db=${MASKED_SECRET} pat=${MASKED_SECRET} cfg=${MASKED_SECRET}`);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/run=[A-Za-z0-9_-]{20,}/);
    const everything = JSON.stringify(h.events) + h.events.filter((e) => e.event === 'run.output').map((e) => Buffer.from((e.data as { data: string }).data, 'base64').toString()).join('');
    expect(everything).not.toContain(secret);
    expect(JSON.stringify(await h.call('runs.get', { run: w.runId! }))).not.toContain(secret);
  });
}

describeEachStore('heartbeat engine', (kind) => {
  const host = hostPerTest(kind);
  // The first store of a worker is the slow one (PGlite's initdb): outside any test's time.
  beforeAll(async () => (await makeStoreTarget(kind)).cleanup(), 300_000);

  const start = (opts: Partial<HostOptions> = {}) => host.start(opts);
  const runsOfIssue = async (h: TestHost, issue: string) => (await h.call('runs.list', { issue })).items;

  it('an assignment starts exactly one run; success hands the issue to review', async () => {
    const h = await start();
    await h.call('agents.create', { name: 'ok', adapterType: 'process', command: 'echo started-ok' });
    const issue = await h.call('issues.create', { title: 'T', assignee: 'ok' });
    const [run] = await runsOfIssue(h, issue.identifier);
    expect(run.invocationSource).toBe('assignment');
    const done = await settledRun(h, run.id);
    expect(done.status).toBe('succeeded');
    expect(done.processPid).toBeGreaterThan(0);
    expect(done.processGroupId).toBe(done.processPid);
    expect(done.processStartId).toBeTruthy();
    expect(await log(h, run.id)).toContain('started-ok');
    expect(await runsOfIssue(h, issue.identifier)).toHaveLength(1);
    const detail = await h.call('issues.get', { issue: issue.identifier });
    expect(detail.status).toBe('in_review');
    expect(detail.checkoutRunId).toBe(run.id);
    expect(detail.executionRunId).toBeNull();
    expect(detail.comments.map((c) => c.authorType)).toEqual(['system']);
  });

  it('a non-zero exit fails the run, the one continuation fails too, and the issue is escalated', async () => {
    const h = await start();
    await h.call('agents.create', { name: 'echo', adapterType: 'process', command: 'echo hello; exit 3' });
    const issue = await h.call('issues.create', { title: 'T', assignee: 'echo' });
    const [first] = await runsOfIssue(h, issue.identifier);
    const done = await settledRun(h, first.id);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'adapter_failed', exitCode: 3 });
    expect(await log(h, first.id)).toContain('hello');
    const blocked = await waitFor(async () => {
      const i = await h.call('issues.get', { issue: issue.identifier });
      return i.status === 'blocked' ? i : null;
    }, 20_000, 'the issue to be blocked');
    expect(blocked.runs).toHaveLength(2);
    expect(blocked.runs[0].retryReason).toBe('issue_continuation_needed');
    expect(blocked.escalations.map((e) => e.kind)).toEqual(['run_failed_after_retry']);
    expect(h.events.filter((e) => e.event === 'escalation.opened')).toHaveLength(1);
  });

  it('coalesces a wake into the active run, and skips a paused agent', async () => {
    const h = await start();
    const agent = await h.call('agents.create', { name: 'slow', adapterType: 'process', command: 'sleep 1' });
    const a = await h.call('agents.wake', { agent: 'slow' });
    expect(a.status).toBe('queued');
    await waitFor(async () => (await h.call('runs.get', { run: a.runId! })).status === 'running', 20_000, 'the run to start');
    // A timer firing during a run adds nothing: no pile-up, no follow-up.
    const b = await h.host.engine.wake(agent.id, { source: 'timer', reason: 'timer' });
    expect(b).toMatchObject({ status: 'coalesced', runId: a.runId });
    await settledRun(h, a.runId!);
    await new Promise((r) => setTimeout(r, 500));
    expect((await h.call('runs.list', { agent: 'slow' })).total).toBe(1);
    await h.call('agents.pause', { agent: 'slow' });
    const c = await h.call('agents.wake', { agent: 'slow' });
    expect(c.status).toBe('skipped');
    expect(c.reason).toContain('paused');
  });

  it('holds the per-agent and global caps under 50 simultaneous wakes', async () => {
    const h = await start({ maxConcurrentRuns: 3 });
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    for (const name of names) {
      await h.call('agents.create', { name, adapterType: 'process', command: 'sleep 0.2', maxConcurrentRuns: name === 'a1' ? 2 : 1 });
    }
    const issues = [];
    for (let i = 0; i < 50; i++) issues.push(await h.call('issues.create', { title: `job ${i}` }));
    const running = new Map<string, string>();
    let maxGlobal = 0;
    const maxPerAgent = new Map<string, number>();
    h.host.events.subscribe((e) => {
      if (e.event !== 'run.updated') return;
      const r = e.data as RunDto;
      if (r.status === 'running') running.set(r.id, r.agent);
      else running.delete(r.id);
      maxGlobal = Math.max(maxGlobal, running.size);
      const n = [...running.values()].filter((a) => a === r.agent).length;
      maxPerAgent.set(r.agent, Math.max(maxPerAgent.get(r.agent) ?? 0, n));
    });
    const wakes = await Promise.all(issues.map((issue, i) => h.call('agents.wake', { agent: names[i % 5], issue: issue.identifier })));
    expect(wakes.every((w) => w.status === 'queued')).toBe(true);
    await waitFor(async () => (await h.call('runs.list', { status: 'succeeded', limit: 1 })).total === 50, 90_000, 'all 50 runs');
    expect(maxGlobal).toBeLessThanOrEqual(3);
    expect(maxGlobal).toBeGreaterThanOrEqual(2);
    expect(maxPerAgent.get('a1')).toBeLessThanOrEqual(2);
    for (const n of names.slice(1)) expect(maxPerAgent.get(n)).toBeLessThanOrEqual(1);
  }, 120_000);

  processCases(start);

  it("an agent's run token acts on its own issue only, and only while its run lives", async () => {
    const h = await start();
    const tokenFile = join(h.target.dataDir, 'token');
    await h.call('agents.create', { name: 'tok', adapterType: 'process', command: `printenv VIGIL_RUN_TOKEN > ${tokenFile}; sleep 3` });
    const other = await h.call('issues.create', { title: 'someone else' });
    const mine = await h.call('issues.create', { title: 'mine', assignee: 'tok' });
    const token = await waitFor(() => { try { return readFileSync(tokenFile, 'utf8').trim(); } catch { return null; } }, 10_000, 'token');
    const agent = { kind: 'agent' as const, runToken: token };
    const c = await h.call('issues.comment', { issue: mine.identifier, body: `working on it (my token is ${token})` }, agent);
    expect(c.authorType).toBe('agent');
    // An agent pasting its own token leaves no usable copy behind.
    expect(c.body).toMatch(/^working on it \(my token is .+\)$/);
    expect(c.body).not.toContain(token);
    await expect(h.call('issues.comment', { issue: other.identifier, body: 'x' }, agent)).rejects.toMatchObject({ code: 'forbidden', field: 'issue' });
    await expect(h.call('issues.update', { issue: other.identifier, status: 'done' }, agent)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(h.call('agents.create', { name: 'evil', adapterType: 'process', command: 'true' }, agent)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(h.call('issues.comment', { issue: mine.identifier, body: 'x' }, { kind: 'agent', runToken: 'forged' })).rejects.toMatchObject({ code: 'unauthorized' });
    const [run] = await runsOfIssue(h, mine.identifier);
    await settledRun(h, run.id);
    await expect(h.call('issues.comment', { issue: mine.identifier, body: 'late' }, agent)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('claude_local keeps its session per issue and resumes it, and stores usage and cost', async () => {
    const h = await start();
    const argvFile = await fakeClaudeAgent(h);
    const issue = await h.call('issues.create', { title: 'Fix the parser', body: 'It drops the last line.', assignee: 'claude' });
    const [first] = await runsOfIssue(h, issue.identifier);
    const r1 = await settledRun(h, first.id);
    expect(r1.status).toBe('succeeded');
    expect(r1.sessionId).toBeTruthy();
    expect(r1.usage?.costUsd).toBeGreaterThan(0);
    expect(r1.usage?.inputTokens).toBeGreaterThan(0);
    const detail = await h.call('runs.get', { run: r1.id });
    expect(detail.events.map((e) => e.type)).toContain('result');
    await h.call('issues.update', { issue: issue.identifier, status: 'todo' });
    const second = await waitFor(async () => (await runsOfIssue(h, issue.identifier)).find((r) => r.id !== r1.id), 10_000, 'second run');
    await settledRun(h, second.id);
    const argvs = readFileSync(argvFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l).argv as string[]);
    expect(argvs[0]).toContain('-p');
    expect(argvs[0].join(' ')).toContain(issue.identifier);
    expect(argvs[1]).toContain('--resume');
    expect(argvs[1][argvs[1].indexOf('--resume') + 1]).toBe(r1.sessionId);
    // The CLI no longer knows the session: that run fails, and the next one starts fresh.
    await h.call('agents.update', {
      agent: 'claude',
      patch: { env: fakeCliEnv({ FAKE_CLAUDE_ARGV_FILE: argvFile, FAKE_CLAUDE_FIXTURE: 'claude-unknown-session.jsonl', FAKE_CLAUDE_EXIT: '1' }) },
    });
    await h.call('issues.update', { issue: issue.identifier, status: 'todo' });
    await waitFor(() => readFileSync(argvFile, 'utf8').trim().split('\n').length >= 4, 20_000, 'the resume to fail and the continuation to start');
    const later = readFileSync(argvFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l).argv as string[]);
    expect(later[2]).toContain('--resume');
    expect(later[3]).not.toContain('--resume');
  });

  it('claude_local records the prompt it sent, then pushes each stored transcript event live (run.event)', async () => {
    const h = await start();
    const pushed: { runId: string; seq: number; type: string }[] = [];
    h.host.events.subscribe((e) => {
      if (e.event === 'run.event') for (const ev of e.data.events) pushed.push({ runId: e.data.runId, seq: ev.seq, type: ev.type });
    });
    await h.call('agents.create', {
      name: 'scribe',
      adapterType: 'claude_local',
      env: fakeCliEnv({ FAKE_CLAUDE_FIXTURE: 'claude-transcript.jsonl', FAKE_CLAUDE_LINE_DELAY_MS: '20' }),
    });
    const issue = await h.call('issues.create', { title: 'Coupons count twice', body: 'Totals are off with a coupon.', assignee: 'scribe' });
    const [run] = await runsOfIssue(h, issue.identifier);
    const done = await settledRun(h, run.id);
    expect(done.status).toBe('succeeded');
    const detail = await h.call('runs.get', { run: run.id });
    const prompt = detail.events.find((e) => e.type === 'prompt');
    const started = detail.events.find((e) => e.type === 'started');
    expect(prompt?.seq).toBe((started?.seq ?? NaN) + 1);
    expect((prompt?.payload as { text: string }).text).toContain('Totals are off with a coupon.');
    const stored = detail.events.filter((e) => pushed.some((p) => p.seq === e.seq));
    // Every adapter event that was stored was pushed, with its stored seq, for this run only.
    const adapterTypes = ['prompt', 'system', 'assistant', 'thinking', 'tool_use', 'tool_result', 'tool_error', 'result'];
    expect(stored.map((e) => e.seq)).toEqual(detail.events.filter((e) => adapterTypes.includes(e.type)).map((e) => e.seq));
    expect(pushed.every((p) => p.runId === run.id)).toBe(true);
    expect(pushed.filter((p) => p.type === 'tool_use')).toHaveLength(7);
  });

  it('an agent whose JSON carries NUL and lone surrogates still ends its run, with its events and session kept', async () => {
    const h = await start();
    const fixture = join(h.target.dataDir, 'odd.jsonl');
    const session = 'odd-\\udc00-session';
    writeFileSync(
      fixture,
      [
        `{"type":"system","subtype":"init","session_id":"${session}","model":"claude-sonnet-4-5"}`,
        `{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"nul\\u0000 and \\ud800 alone"}]},"session_id":"${session}"}`,
        `{"type":"result","subtype":"success","is_error":false,"result":"done\\u0000","session_id":"${session}","total_cost_usd":0.01,"usage":{"input_tokens":5,"output_tokens":6}}`,
        '',
      ].join('\n'),
    );
    await h.call('agents.create', { name: 'odd', adapterType: 'claude_local', env: fakeCliEnv({ FAKE_CLAUDE_FIXTURE: fixture }) });
    const issue = await h.call('issues.create', { title: 'odd output', assignee: 'odd' });
    const [run] = await runsOfIssue(h, issue.identifier);
    const done = await settledRun(h, run.id);
    expect(done.status).toBe('succeeded');
    expect(done.sessionId).toBe('odd-\uFFFD-session');
    const detail = await h.call('runs.get', { run: run.id });
    const texts = JSON.stringify(detail.events);
    expect(texts).toContain('nul\uFFFD and \uFFFD alone');
    expect(detail.events.map((e) => e.type)).toContain('result');
  });

  it('codex_local records its thread as the session and its usage', async () => {
    const h = await start();
    await h.call('agents.create', { name: 'codex', adapterType: 'codex_local', env: fakeCliEnv() });
    const issue = await h.call('issues.create', { title: 'Add a flag' });
    const w = await h.call('agents.wake', { agent: 'codex', issue: issue.identifier });
    const r = await settledRun(h, w.runId!);
    expect(r.status).toBe('succeeded');
    expect(r.sessionId).toBeTruthy();
    expect(r.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('a missing executable or working folder fails the run with spawn_failed, naming it', async () => {
    const h = await start();
    await h.call('agents.create', { name: 'noclaude', adapterType: 'claude_local', env: { PATH: '/nonexistent' } });
    // A folder that existed when the agent was added (adding refuses a missing one) and is gone since.
    const gone = mkdtempSync(join(tmpdir(), 'vigil-gone-'));
    await h.call('agents.create', { name: 'nocwd', adapterType: 'process', command: 'true', cwd: gone });
    rmSync(gone, { recursive: true });
    const a = await h.call('agents.wake', { agent: 'noclaude' });
    const b = await h.call('agents.wake', { agent: 'nocwd' });
    const ra = await settledRun(h, a.runId!);
    const rb = await settledRun(h, b.runId!);
    expect(ra).toMatchObject({ status: 'failed', errorCode: 'spawn_failed' });
    expect(ra.error).toContain('claude');
    expect(rb).toMatchObject({ status: 'failed', errorCode: 'spawn_failed' });
    expect(rb.error).toContain(gone);
    expect((await h.call('host.status', {})).runs.running).toBe(0);
  });

  it('prunes the oldest logs past the retention limit; the runs stay and say so', async () => {
    const h = await start({ logRetention: { maxRunsPerAgent: 2 } });
    await h.call('agents.create', { name: 'chatty', adapterType: 'process', command: 'echo line-$VIGIL_RUN_ID' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const w = await h.call('agents.wake', { agent: 'chatty' });
      ids.push((await settledRun(h, w.runId!)).id);
    }
    // A pass removes, then marks, newest first: the oldest run is marked last.
    await waitFor(async () => (await h.call('runs.get', { run: ids[0] })).logPruned && (await h.call('runs.get', { run: ids[1] })).logPruned, 10_000, 'the two oldest runs to be pruned');
    for (const [i, id] of ids.entries()) {
      const chunk = await h.call('runs.log', { run: id });
      const pruned = i < 2;
      expect((await h.call('runs.get', { run: id })).logPruned).toBe(pruned);
      expect(chunk.pruned).toBe(pruned);
      expect(Buffer.from(chunk.data, 'base64').toString().includes(`line-${id}`)).toBe(!pruned);
    }
  });

  it('a clean shutdown stops running groups (host_shutdown) and the next start continues the issue', async () => {
    const h = await start();
    await h.call('agents.create', { name: 'worker', adapterType: 'process', command: 'sleep 600' });
    const issue = await h.call('issues.create', { title: 'long job', assignee: 'worker' });
    const [run] = await runsOfIssue(h, issue.identifier);
    const live = await waitFor(async () => {
      const r = await h.call('runs.get', { run: run.id });
      return r.status === 'running' ? r : null;
    }, 10_000, 'running');
    const summary = await h.host.close();
    expect(summary.cancelledRuns).toBe(1);
    expect(pidAlive(live.processPid!)).toBe(false);
    const restarted = await host.start({ startScheduler: false }, h.target);
    const after = await restarted.call('runs.get', { run: run.id });
    expect(after).toMatchObject({ status: 'cancelled', errorCode: 'host_shutdown' });
    const runs = await runsOfIssue(restarted, issue.identifier);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ status: 'queued', retryReason: 'issue_continuation_needed' });
  });
});

// The same cases with the agents in the pty host (one store: the pty path does not depend on it).
describe('heartbeat engine through the pty host [pglite]', () => {
  let t: TestHost | null = null;
  beforeAll(() => ensureBuilt(), 600_000);
  afterEach(async () => {
    if (t) {
      // Each case ran in the pty host, not in this process's fallback ptys.
      expect(t.events.filter((e) => e.event === 'host.notice').map((e) => (e.data as { message: string }).message).join('\n')).not.toMatch(/inside this Vigil process/);
      expect(t.host.info.notices.join('\n')).not.toMatch(/inside this Vigil process/);
      expect(livePtyHost(t.target.dataDir)).not.toBeNull();
    }
    await t?.stop();
    t?.target.cleanup();
    t = null;
  });
  processCases(async (opts = {}) => (t = await startTestHost('pglite', { ptyHost: { runtime: process.execPath, script: PTY_HOST_SCRIPT, idleMs: 2000 }, ...opts })));
});
