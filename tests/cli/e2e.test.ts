// The `vigil` CLI end to end: a real `bin/vigil serve` on a temp data dir, and real `bin/vigil`
// invocations against it, human and --json, including the issue's acceptance scenario.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/host';
import WebSocket from 'ws';
import type { AgentDto, CommentDto, EscalationDto, IssueDetailDto, IssueDto, RunDetailDto, RunDto, WakeResultDto } from '../../src/shared/contract';
import { ISSUE_STATUSES, MASKED_SECRET } from '../../src/shared/domain';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, VIGIL_BIN, vigil as run, type Served } from '../helpers/serve';

const data = tempDataDir();
let served: Served;

const vigil = (...args: string[]) => run(args, { dataDir: data.dir });

/** A --json invocation: exit 0 and exactly one JSON document on stdout. */
async function json<T>(...args: string[]): Promise<T> {
  const r = await vigil('--json', ...args);
  expect(r.stderr, `vigil ${args.join(' ')}`).toBe('');
  expect(r.code, `vigil ${args.join(' ')}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A human invocation: exit 0; returns stdout. */
async function human(...args: string[]): Promise<string> {
  const r = await vigil(...args);
  expect(r.stderr, `vigil ${args.join(' ')}`).toBe('');
  expect(r.code, `vigil ${args.join(' ')}`).toBe(0);
  return r.stdout;
}

/** A failing invocation: the exit code and its one stderr line. */
async function failing(...args: string[]): Promise<{ code: number | null; line: string }> {
  const r = await vigil(...args);
  expect(r.code, `vigil ${args.join(' ')}`).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, `vigil ${args.join(' ')}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^vigil: /);
  return { code: r.code, line: lines[0] };
}

/** Polls until `check` returns a value (a wait, not an assertion). */
const until = <T,>(what: string, check: () => Promise<T | null | undefined>, timeoutMs = 60_000) => waitFor(check, timeoutMs, what, 200);

const runsOf = async (...filters: string[]) => (await json<{ items: RunDto[] }>('run', 'list', ...filters)).items;

beforeAll(async () => {
  ensureBuilt();
  served = await startServe({ dataDir: data.dir, args: ['--max-concurrent', '3'] });
}, READY_TIMEOUT_MS + 300_000);

afterAll(async () => {
  await served?.kill();
  data.cleanup();
});

// Each step spawns several CLI processes against a host that runs real ptys: generous on a busy machine.
describe('vigil against a running serve', { timeout: 180_000 }, () => {
  it('prints the ready line, socket and data dir', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    const { stdout } = served.output();
    expect(stdout).toContain(`data dir: ${data.dir}`);
    expect(stdout.split(served.token)).toHaveLength(2);
  });

  it('status', async () => {
    const status = await json<{ pid: number; dataDir: string; database: string }>('status');
    expect(status).toMatchObject({ pid: served.pid, dataDir: data.dir, database: 'pglite', globalMaxConcurrentRuns: 3 });
    const text = await human('status');
    expect(text).toContain(`pid ${served.pid}`);
    expect(text).toMatch(/Agents:\s+0/);
  });

  it('agent add / list / show / pause / resume / update / remove', async () => {
    const added = await json<AgentDto>('agent', 'add', 'alpha', '--adapter', 'process', '--command', 'echo alpha', '--interval', '3600', '--env', 'GREETING=hi', '--env', 'API_TOKEN=s3cret', '--env', 'DB_PASS=hunter22', '--env-public', 'GREETING');
    expect(added).toMatchObject({ name: 'alpha', adapterType: 'process', command: 'echo alpha', heartbeatIntervalSec: 3600, status: 'idle' });
    expect(added.env.GREETING).toBe('hi');
    expect(added.env.API_TOKEN).not.toBe('s3cret');
    // Every value is a secret unless named public, whatever its name looks like.
    expect(added.env.DB_PASS).toBe(MASKED_SECRET);
    expect(added.envPublic).toEqual(['GREETING']);
    expect(await human('agent', 'add', 'beta', '--adapter', 'process', '--command', 'true', '--timeout', '60')).toMatch(/Added agent beta \(process: true\)/);

    const list = await json<AgentDto[]>('agent', 'list');
    expect(list.map((a) => a.name).sort()).toEqual(['alpha', 'beta']);
    const table = (await human('agent', 'list')).trimEnd().split('\n');
    expect(table[0]).toMatch(/^NAME\s+STATUS\s+MACHINE\s+ADAPTER\s+RUNS/);
    expect(table.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['alpha', 'beta']);
    // Aligned: every row's STATUS column starts where the header's does.
    const statusAt = table[0].indexOf('STATUS');
    for (const row of table.slice(1)) expect(row.slice(statusAt)).toMatch(/^idle/);

    expect(await json<AgentDto>('agent', 'show', 'alpha')).toMatchObject({ id: added.id, name: 'alpha' });
    const shown = await human('agent', 'show', 'alpha');
    expect(shown).toMatch(/Command:\s+echo alpha/);
    expect(shown).toMatch(/Interval:\s+1h/);

    expect(await json<AgentDto>('agent', 'pause', 'alpha')).toMatchObject({ status: 'paused' });
    expect(await human('agent', 'resume', 'alpha')).toMatch(/Resumed agent alpha \(idle\)/);
    expect(await human('agent', 'pause', 'beta')).toMatch(/Paused agent beta/);
    expect(await json<AgentDto>('agent', 'resume', 'beta')).toMatchObject({ status: 'idle' });

    expect(await json<AgentDto>('agent', 'update', 'alpha', '--interval', 'off', '--max-concurrent', '2')).toMatchObject({ heartbeatIntervalSec: null, maxConcurrentRuns: 2 });
    expect(await human('agent', 'update', 'alpha', '--role', 'reviewer')).toMatch(/Updated agent alpha/);
    expect((await json<AgentDto>('agent', 'show', 'alpha')).role).toBe('reviewer');

    expect(await json<{ id: string }>('agent', 'remove', 'beta')).toMatchObject({ id: expect.any(String) });
    expect(await human('agent', 'remove', 'alpha')).toMatch(/Removed agent alpha/);
    expect(await json<AgentDto[]>('agent', 'list')).toEqual([]);
  });

  it('explains bad input in one stderr line', async () => {
    const unknown = await failing('agent', 'show', 'ghost');
    expect(unknown.line).toMatch(/unknown agent "ghost"/);
    expect(unknown.code).toBe(1);
    const status = await failing('issue', 'list', '--status', 'finished');
    expect(status.line).toContain(`--status must be one of: ${ISSUE_STATUSES.join(', ')}`);
    expect(status.code).toBe(2);
    expect((await failing('run', 'list', '--status', 'exploded')).line).toMatch(/--status must be one of: queued, starting, running, succeeded/);
    expect((await failing('agent', 'add', 'nocmd', '--adapter', 'process')).line).toMatch(/missing --command/);
    expect((await failing('agent', 'add', 'x', '--adapter', 'robot', '--command', 'y')).line).toMatch(/--adapter must be one of: process, claude_local, codex_local/);
    expect((await failing('agent', 'list', '--colour')).line).toMatch(/unknown option '--colour'/);
    expect((await failing('issue', 'show')).line).toMatch(/missing argument ID/);
    expect((await failing('agent', 'add', 'bad name!', '--adapter', 'process', '--command', 'y')).line).toMatch(/letters, digits/);
    expect((await failing('issue', 'show', 'VIG-999')).line).toMatch(/VIG-999/);
    // --json: the error is also one JSON document on stdout.
    const r = await vigil('--json', 'agent', 'show', 'ghost');
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('issue create / list / show / comment / assign / update', async () => {
    await human('agent', 'add', 'idler', '--adapter', 'process', '--command', 'true');
    await human('agent', 'pause', 'idler');
    const created = await json<IssueDto>('issue', 'create', 'Fix the flaky test', '--body', 'It fails on Tuesdays.', '--priority', 'high');
    expect(created).toMatchObject({ title: 'Fix the flaky test', body: 'It fails on Tuesdays.', priority: 'high', assigneeAgent: null });
    expect(created.identifier).toMatch(/^[A-Z]+-\d+$/);
    const second = await human('issue', 'create', 'Write', 'the', 'docs');
    expect(second).toMatch(/^Created [A-Z]+-\d+: Write the docs \(/);

    const page = await json<{ items: IssueDto[]; total: number }>('issue', 'list');
    expect(page.items.map((i) => i.title)).toEqual(expect.arrayContaining(['Fix the flaky test', 'Write the docs']));
    expect((await json<{ items: IssueDto[] }>('issue', 'list', '--search', 'flaky')).items.map((i) => i.identifier)).toEqual([created.identifier]);
    const table = await human('issue', 'list', '--search', 'flaky');
    expect(table).toMatch(/^ID\s+STATUS\s+PRIORITY\s+ASSIGNEE/);
    expect(table).toContain(created.identifier);

    const comment = await json<CommentDto>('issue', 'comment', created.identifier, 'Seen it on Monday too');
    expect(comment).toMatchObject({ body: 'Seen it on Monday too', authorType: 'user' });
    expect(await human('issue', 'comment', created.identifier, 'and', 'Friday')).toMatch(/Commented on/);

    expect(await json<IssueDto>('issue', 'assign', created.identifier, 'idler')).toMatchObject({ assigneeAgent: 'idler' });
    expect((await json<{ items: IssueDto[] }>('issue', 'list', '--assignee', 'idler')).items.map((i) => i.identifier)).toEqual([created.identifier]);
    expect(await human('issue', 'assign', created.identifier, '-')).toMatch(/Unassigned/);

    expect(await json<IssueDto>('issue', 'update', created.identifier, '--status', 'in_review', '--title', 'Fix the flaky test now')).toMatchObject({
      status: 'in_review',
      title: 'Fix the flaky test now',
    });
    expect(await human('issue', 'update', created.identifier, '--priority', 'urgent')).toMatch(/Updated .*urgent/);
    expect((await failing('issue', 'update', created.identifier)).line).toMatch(/nothing to update/);

    const detail = await json<IssueDetailDto>('issue', 'show', created.identifier);
    expect(detail.comments.map((c) => c.body)).toEqual(expect.arrayContaining(['Seen it on Monday too', 'and Friday']));
    const text = await human('issue', 'show', created.identifier);
    expect(text).toContain('Fix the flaky test now');
    expect(text).toMatch(/Status:\s+in review/);
    expect(text).toContain('Seen it on Monday too');
    expect((await json<{ items: IssueDto[] }>('issue', 'list', '--status', 'in_review')).items.map((i) => i.identifier)).toContain(created.identifier);
  });

  it('acceptance: a process agent that prints hello and exits 3 gives a failed run with its log', async () => {
    expect(await human('agent', 'add', 'echo', '--adapter', 'process', '--command', 'echo hello; exit 3')).toMatch(/Added agent echo/);
    const issue = await json<IssueDto>('issue', 'create', 'T', '--assign', 'echo');
    expect(issue.assigneeAgent).toBe('echo');
    const failed = await until('the failed run', async () => (await runsOf('--issue', issue.identifier, '--status', 'failed')).at(-1));
    expect(failed).toMatchObject({ status: 'failed', exitCode: 3, errorCode: 'adapter_failed', agent: 'echo', issueIdentifier: issue.identifier });

    const logs = await vigil('run', 'logs', failed.id);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('hello');
    const logsJson = await json<{ data: string; totalBytes: number }>('run', 'logs', failed.id);
    expect(Buffer.from(logsJson.data, 'base64').toString()).toContain('hello');
    expect((await vigil('run', 'logs', failed.id, '--tail', '3')).stdout.length).toBeLessThanOrEqual(3);

    const show = await human('run', 'show', failed.id);
    expect(show).toMatch(/Status:\s+failed/);
    expect(show).toMatch(/Exit code:\s+3/);
    expect(show).toContain('The agent process exited with a failure');
    const detail = await json<RunDetailDto>('run', 'show', failed.id);
    expect(detail).toMatchObject({ id: failed.id, exitCode: 3, errorCode: 'adapter_failed' });
    expect(detail.errorExplanation).toContain('exited with a failure');

    const table = await human('run', 'list', '--agent', 'echo');
    expect(table).toMatch(/^RUN\s+STATUS\s+AGENT\s+ISSUE/);
    expect(table).toContain(failed.id);
  });

  it('escalation list / dismiss / retry', async () => {
    // The acceptance issue fails again on its automatic retry, and Vigil escalates it.
    const open = await until('an escalation', async () => (await json<EscalationDto[]>('escalation', 'list')).find((e) => e.issueTitle === 'T'));
    expect(open.resolvedAt).toBeNull();
    expect(await human('escalation', 'list')).toContain(open.issueIdentifier);
    const retried = await json<EscalationDto>('escalation', 'retry', open.id);
    expect(retried.resolvedAt).not.toBeNull();
    const again = await until('a new escalation', async () => (await json<EscalationDto[]>('escalation', 'list')).find((e) => e.issueTitle === 'T' && e.id !== open.id));
    expect(await human('escalation', 'dismiss', again.id)).toMatch(/Dismissed/);
    expect((await json<EscalationDto[]>('escalation', 'list')).find((e) => e.id === again.id)).toBeUndefined();
    expect((await json<EscalationDto[]>('escalation', 'list', '--all')).map((e) => e.id)).toEqual(expect.arrayContaining([open.id, again.id]));
  });

  it('wake, run logs --follow until the run ends, run cancel', async () => {
    await human('agent', 'add', 'ticker', '--adapter', 'process', '--command', 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.2; done');
    const wake = await json<WakeResultDto>('wake', 'ticker', '--reason', 'e2e');
    expect(wake.runId).toEqual(expect.any(String));
    const followed = await vigil('run', 'logs', wake.runId!, '--follow');
    expect(followed.code).toBe(0);
    expect(followed.stdout.replace(/\r/g, '')).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\ntick 6\n');
    expect((await json<RunDto[]>('run', 'list', '--agent', 'ticker').then((p: any) => p.items as RunDto[]))[0].status).toBe('succeeded');

    await human('agent', 'add', 'sleeper', '--adapter', 'process', '--command', 'echo start; exec sleep 300');
    expect(await human('wake', 'sleeper')).toMatch(/Wakeup of sleeper queued: run /);
    const running = await until('a running sleeper run', async () => (await runsOf('--agent', 'sleeper', '--status', 'running'))[0]);
    const follow = vigil('run', 'logs', running.id, '--follow');
    const cancelled = await json<RunDto>('run', 'cancel', running.id);
    expect(['cancelled', 'running']).toContain(cancelled.status);
    // --follow ends by itself once the cancelled run is over.
    const ended = await follow;
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain('start');
    expect((await json<RunDetailDto>('run', 'show', running.id)).status).toBe('cancelled');
    expect(await human('run', 'show', running.id)).toContain('The run was cancelled');
  });

  it("lets an agent's run call back with its run token, limited to its own issue", async () => {
    const command = `vigil issue comment "$VIGIL_ISSUE_ID" 'hello from the agent'; vigil agent list; echo "list-exit=$?"`;
    await human('agent', 'add', 'caller', '--adapter', 'process', '--command', command);
    const issue = await json<IssueDto>('issue', 'create', 'Call back', '--assign', 'caller');
    const done = await until('the caller run', async () => (await runsOf('--issue', issue.identifier)).find((r) => !['queued', 'starting', 'running'].includes(r.status)));
    const log = (await vigil('run', 'logs', done.id)).stdout;
    expect(log).toMatch(/cannot call agents\.list/);
    expect(log).toContain('list-exit=1');
    const comments = (await json<IssueDetailDto>('issue', 'show', issue.identifier)).comments;
    expect(comments.find((c) => c.body === 'hello from the agent')).toMatchObject({ authorType: 'agent', runId: done.id });
  });

  it('serves the built UI at the printed address and the wire protocol on /ws', async () => {
    // The page is public code (the token stays in the fragment, which fetch never sends); data is not.
    const page = await fetch(served.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(await page.text()).toMatch(/<script[^>]+src="\.?\/assets\//);
    expect((await fetch(`${served.baseUrl}api/call`, { method: 'POST', body: '{"method":"agents.list"}' })).status).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws`, ['vigil', `vigil-token.${served.token}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = new Promise<any>((resolve) => ws.once('message', (m) => resolve(JSON.parse(m.toString()))));
    ws.send(JSON.stringify({ id: 1, method: 'agents.get', params: { agent: 'ticker' } }));
    expect(await answer).toMatchObject({ id: 1, ok: true, result: { name: 'ticker' } });
    ws.close();
  });

  it('refuses a second serve on the same folder, naming the owner pid', async () => {
    const second = await run(['serve', '--data-dir', data.dir, '--port', '0']);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`pid ${served.pid}`);
    expect(second.stdout).not.toContain('Vigil ready:');
    // The first one is unharmed.
    expect((await json<{ pid: number }>('status')).pid).toBe(served.pid);
  }, READY_TIMEOUT_MS);

  it('stops cleanly on SIGTERM (exit 0), after which the CLI says it is not running', async () => {
    const exit = await served.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(served.output().stderr).toContain('Vigil stopped');
    // The socket file and the folder lock are gone with it.
    expect(existsSync(served.socketPath)).toBe(false);
    expect(existsSync(join(data.dir, 'vigil.lock'))).toBe(false);
    const after = await failing('status');
    expect(after.code).toBe(3);
    expect(after.line).toBe(`vigil: Vigil is not running for ${data.dir}. Start it with: vigil serve --data-dir ${data.dir} (or open the Vigil app).`);
  });
});

describe('vigil without a host', () => {
  const empty = tempDataDir();
  afterAll(() => empty.cleanup());

  it('says Vigil is not running and how to start it', async () => {
    const r = await run(['agent', 'list'], { dataDir: empty.dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`vigil: Vigil is not running for ${empty.dir}. Start it with: vigil serve --data-dir ${empty.dir} (or open the Vigil app).\n`);
    const asJson = await run(['--json', 'status'], { dataDir: empty.dir });
    expect(JSON.parse(asJson.stdout)).toMatchObject({ error: { code: 'not_running' } });
  });

  it('bin/vigil asks for a build when the bundle is missing', async () => {
    mkdirSync(join(empty.dir, 'bin'));
    copyFileSync(VIGIL_BIN, join(empty.dir, 'bin', 'vigil'));
    const r = spawnSync(process.execPath, [join(empty.dir, 'bin', 'vigil'), 'status'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('vigil: the CLI is not built: run npm run build first\n');
    expect(statSync(VIGIL_BIN).mode & 0o111).not.toBe(0);
  });

  it('uses $VIGIL_HOME when there is no --data-dir', async () => {
    const r = await run(['status'], { env: { VIGIL_HOME: empty.dir } });
    expect(r.stderr).toContain(`Vigil is not running for ${empty.dir}`);
  });
});
