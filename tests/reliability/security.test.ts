// Security checks against a real `vigil serve`: the web routes refuse a missing or wrong token
// (every way of presenting one), the control socket is private, a run token only reaches its own
// issue and dies with its run, an agent's secret is masked in the issue text it writes, and a
// secret given to an agent (--env API_KEY=...) that the agent echoes, splits across writes and
// puts in its error message appears in no log file, event, error, answer, database row (every
// table dumped as JSON) nor in the host's own output.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openStore, pgliteDirOf } from '../../src/main/db/client';
import type { AgentDto, IssueDetailDto, IssueDto, RunDetailDto } from '../../src/shared/contract';
import { MASKED_SECRET } from '../../src/shared/domain';
import { killByCookie } from '../fixtures/reliability/procs';
import { runLog, runsOf, waitEnded, waitRun } from '../fixtures/reliability/runs';
import { allPages, connectSocket, connectWs, mustCall, type WireConn } from '../fixtures/reliability/wire';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil, type Served } from '../helpers/serve';
import { waitFor } from '../helpers/host';
import { launchBrowser, newPage } from '../e2e/browser';

interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (t: string) => (body += t));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A WebSocket handshake: opened, or refused with this HTTP status. */
function wsAttempt(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<{ opened: boolean; status: number | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true, status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? null });
      res.resume();
      ws.terminate();
    });
    ws.once('error', () => resolve({ opened: false, status: null }));
  });
}

let served: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let conn: WireConn;
const ourRuns = new Set<string>();
const scratch = join(tmpdir(), `vigil-sec-${process.pid}-${Date.now()}`);

describe('security', () => {
  beforeAll(async () => {
    ensureBuilt();
    mkdirSync(scratch, { recursive: true, mode: 0o700 });
    data = tempDataDir('vigil-sec-');
    served = await startServe({ dataDir: data.dir });
    conn = await connectSocket(served.socketPath);
  }, READY_TIMEOUT_MS + 600_000);

  afterAll(async () => {
    conn?.close();
    await served?.stop();
    killByCookie(ourRuns);
    data?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('refuses a missing or wrong token on /api/call and /ws, however it is presented; a cookie or a URL token is no credential', async () => {
    const s = served!;
    const token = s.token;
    const wrong = [
      '',
      'x',
      randomBytes(32).toString('base64url'),
      token.slice(0, -1),
      `${token}x`,
      token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
      ` ${token}`.slice(0, token.length),
    ];
    const presentations: { name: string; query: (t: string) => string; headers: (t: string) => Record<string, string>; credential: boolean }[] = [
      { name: 'nothing', query: () => '', headers: () => ({}), credential: false },
      { name: '?token=', query: (t) => `?token=${encodeURIComponent(t)}`, headers: () => ({}), credential: false },
      { name: 'Bearer', query: () => '', headers: (t) => ({ authorization: `Bearer ${t}` }), credential: true },
      { name: 'subprotocol', query: () => '', headers: (t) => ({ 'sec-websocket-protocol': `vigil, vigil-token.${t}` }), credential: true },
      { name: 'cookie', query: () => '', headers: (t) => ({ cookie: `vigil_token=${t}` }), credential: false },
      { name: 'Basic', query: () => '', headers: (t) => ({ authorization: `Basic ${Buffer.from(`vigil:${t}`).toString('base64')}` }), credential: false },
      { name: 'other cookie name', query: () => '', headers: (t) => ({ cookie: `token=${t}; vigil=${t}` }), credential: false },
      { name: 'token header', query: () => '', headers: (t) => ({ 'x-vigil-token': t, token: t }), credential: false },
    ];
    const refused: string[] = [];
    const admitted: string[] = [];
    let checks = 0;
    for (const p of presentations) {
      // A presentation that is no credential is tried with the right token too.
      const values = p.credential ? wrong : [token, ...wrong.slice(0, 2)];
      for (const value of values) {
        const q = p.query(value);
        const headers = p.headers(value);
        const label = `${p.name} ${JSON.stringify(value.slice(0, 12))}`;
        const callPost = await http(`${s.baseUrl}api/call${q}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ id: 1, method: 'agents.list', params: {} }),
        });
        const callGet = await http(`${s.baseUrl}api/call${q}`, { headers });
        const ws = await wsAttempt(`ws://127.0.0.1:${s.port}/ws${q}`, headers);
        // The UI is public code without data: served, never with the token or a cookie.
        const root = await http(`${s.baseUrl}${q}`, { headers });
        expect(root.headers['set-cookie'], label).toBeUndefined();
        checks += 3;
        for (const [route, status] of [
          ['POST /api/call', callPost.status],
          ['GET /api/call', callGet.status],
          ['/ws', ws.status],
        ] as const) {
          (status === 401 ? refused : admitted).push(`${route} with ${label}: ${status}`);
        }
        expect(ws.opened, `/ws with ${label}`).toBe(false);
        expect(JSON.parse(callPost.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
        for (const body of [root.body, callPost.body, callGet.body]) expect(body).not.toContain(token);
      }
    }
    // With the token: each route works, so the refusals above were about the token.
    const ok = await http(`${s.baseUrl}api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, method: 'host.status', params: {} }),
    });
    expect(ok.status).toBe(200);
    expect((await wsAttempt(`ws://127.0.0.1:${s.port}/ws`, {}, ['vigil', `vigil-token.${token}`])).opened).toBe(true);
    // The right token from another site's page is refused too, and so is a request for another Host name.
    const foreign = { origin: 'http://evil.example', authorization: `Bearer ${token}` };
    expect((await wsAttempt(`ws://127.0.0.1:${s.port}/ws`, foreign)).opened).toBe(false);
    expect((await http(`${s.baseUrl}api/call`, { method: 'POST', headers: { ...foreign, 'content-type': 'application/json' }, body: '{"id":1,"method":"agents.list"}' })).status).toBe(403);
    for (const host of ['evil.example', `evil.example:${s.port}`, `127.0.0.1:${s.port + 1}`]) {
      const misdirected = await http(`${s.baseUrl}api/call`, { method: 'POST', headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"id":1,"method":"agents.list"}' });
      expect(misdirected.status, host).toBe(421);
      expect((await wsAttempt(`ws://127.0.0.1:${s.port}/ws`, { host, authorization: `Bearer ${token}` })).status, host).toBe(421);
    }
    console.log(`[security] web auth: ${checks} requests without a valid credential, ${refused.length} refused with 401, ${admitted.length} not; foreign Host names 421`);
    expect(admitted).toEqual([]);
  });

  it('a page on another local port learns nothing that calls the API: a real Chromium opens Vigil, then the thief replays what it got', async () => {
    const s = served!;
    const received: { url: string; headers: Record<string, string | string[] | undefined> }[] = [];
    const thief = createServer((req, res) => {
      received.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/html' });
      // The thief's page asks for more: an image and a script from itself, a fetch to Vigil.
      res.end(`<!doctype html><img src="/pixel.png"><script>fetch('http://127.0.0.1:${s.port}/api/call', { method: 'POST', credentials: 'include', body: '{"method":"agents.list"}' }).catch(() => {});</script>`);
    });
    await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', () => resolve()));
    const thiefPort = (thief.address() as AddressInfo).port;
    const browser = await launchBrowser();
    try {
      const page = await newPage(browser);
      await page.goto(s.url);
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 60_000 });
      expect(page.url()).not.toContain('token');
      const cookies = await page.context().cookies();
      expect(cookies, 'Vigil sets no cookie').toEqual([]);
      // The same browser, the same tab, another local port (and localhost, the other name for it).
      await page.goto(`http://127.0.0.1:${thiefPort}/`);
      await page.goto(`http://localhost:${thiefPort}/again`);
      await waitFor(() => received.length >= 3, 30_000, 'the thief to be visited');
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => thief.close(() => resolve()));
    }
    const seen = JSON.stringify(received);
    expect(seen).not.toContain(s.token);
    // Replay everything received (every header, cookies included) against Vigil's API and socket.
    const statuses: number[] = [];
    for (const r of received) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !['host', 'content-length', 'connection'].includes(k)) headers[k] = String(v);
      const call = await http(`${s.baseUrl}api/call`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"id":1,"method":"agents.list"}' });
      statuses.push(call.status);
      statuses.push((await wsAttempt(`ws://127.0.0.1:${s.port}/ws`, headers)).status ?? 0);
      // Every value it got, tried as a bearer token too.
      for (const value of Object.values(headers).flatMap((v) => v.split(/[;,= ]+/)).filter((v) => v.length >= 16)) {
        statuses.push((await http(`${s.baseUrl}api/call`, { method: 'POST', headers: { authorization: `Bearer ${value}` }, body: '{"id":1,"method":"agents.list"}' })).status);
      }
    }
    console.log(`[security] browser: the other port got ${received.length} requests (${received.filter((r) => r.headers.cookie).length} with a cookie); ${statuses.length} replays against Vigil: ${[...new Set(statuses)].join(', ')}`);
    expect(statuses.length).toBeGreaterThanOrEqual(6);
    expect(statuses.every((st) => st === 401)).toBe(true);
  }, 180_000);

  it('an agent that drops its run token is still its run: refused as the user, limited to its issue', async () => {
    const probe = `sk-victim-${randomBytes(8).toString('hex')}`;
    await mustCall(conn, 'agents.create', { name: 'victim', adapterType: 'process', command: 'echo "$VICTIM_KEY"', env: { VICTIM_KEY: probe } });
    const command = [
      'unset VIGIL_RUN_TOKEN',
      `vigil agent add evil-twin --adapter process --command 'echo pwned'; echo "add-exit=$?"`,
      `vigil agent update victim --command 'echo stolen: $VICTIM_KEY'; echo "update-exit=$?"`,
      `VIGIL_RUN_TOKEN= vigil issue comment "$VIGIL_ISSUE_ID" 'as the user?'; echo "empty-exit=$?"`,
      // A child that also drops VIGIL_RUN_ID still has the cookie on its parent shell.
      `env -u VIGIL_RUN_ID vigil issue create 'made without a token'; echo "create-exit=$?"`,
      `echo "calls done ${'.'.repeat(80)}"`,
    ].join('\n');
    await mustCall(conn, 'agents.create', { name: 'dropper', adapterType: 'process', command });
    const issue = await mustCall<IssueDto>(conn, 'issues.create', { title: 'drop your token', assignee: 'dropper' });
    const run = await waitRun(conn, { issue: issue.identifier }, () => true, 60_000, 'the dropper run');
    ourRuns.add(run.id);
    await waitEnded(conn, run.id, 120_000);
    const log = (await runLog(conn, run.id)).toString();
    for (const call of ['add-exit', 'update-exit', 'empty-exit', 'create-exit']) expect(log, call).toContain(`${call}=1`);
    expect(log).toMatch(/must carry its run token/);
    const agents = await mustCall<AgentDto[]>(conn, 'agents.list', {});
    expect(agents.map((a) => a.name)).not.toContain('evil-twin');
    expect(agents.find((a) => a.name === 'victim')?.command).toBe('echo "$VICTIM_KEY"');
    expect((await mustCall<IssueDetailDto>(conn, 'issues.get', { issue: issue.identifier })).comments.filter((c) => c.authorType !== 'system')).toEqual([]);
    expect((await allPages<IssueDto>(conn, 'issues.list')).map((i) => i.title)).not.toContain('made without a token');
    console.log('[security] an agent without its run token: 4 of 4 calls refused (agent add, agent update, empty token, child without the cookie)');
  }, 240_000);

  it('shows agent-written escapes escaped in `vigil issue show`, raw only with --raw', async () => {
    const osc52 = '\x1b]52;c;cm0gLXJmIH4=\x07';
    const issue = await mustCall<IssueDto>(conn, 'issues.create', { title: 'escapes' });
    // As an agent would write it (through the API, the way `vigil issue comment` sends it).
    await mustCall(conn, 'issues.comment', { issue: issue.identifier, body: `done${osc52}\x1b[2J\x1b]0;owned\x07` });
    const shown = await vigil(['issue', 'show', issue.identifier], { dataDir: data!.dir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain('\x1b');
    expect(shown.stdout).toContain('done\\x1b]52;c;cm0gLXJmIH4=\\x07');
    const raw = await vigil(['issue', 'show', issue.identifier, '--raw'], { dataDir: data!.dir });
    expect(raw.stdout).toContain(osc52);
  }, 120_000);

  it('keeps the control socket private: mode 0600, owned by the user, in a folder nobody else can write', async () => {
    const s = served!;
    const check = (socketPath: string) => {
      const st = lstatSync(socketPath);
      const parent = statSync(dirname(socketPath));
      const facts = { socket: st.isSocket(), mode: (st.mode & 0o777).toString(8), uid: st.uid, parentMode: (parent.mode & 0o777).toString(8), parentUid: parent.uid };
      expect(facts, socketPath).toMatchObject({ socket: true, mode: '600', uid: process.getuid!(), parentUid: process.getuid!() });
      expect(parent.mode & 0o002, `${dirname(socketPath)} is world-writable`).toBe(0);
      return facts;
    };
    const inDir = check(s.socketPath);
    expect(s.socketPath).toBe(join(data!.dir, 'vigil.sock'));
    // Private files next to it: the lock and the data folder itself.
    expect((statSync(join(data!.dir, 'vigil.lock')).mode & 0o077).toString(8)).toBe('0');
    expect((statSync(data!.dir).mode & 0o077).toString(8)).toBe('0');

    // A data folder too deep for a unix socket path: the socket moves to a private folder in tmp.
    const deep = tempDataDir('vigil-sec-deep-');
    const long = join(deep.dir, 'a-folder-name-long-enough-'.repeat(4));
    let other: Served | null = null;
    try {
      other = await startServe({ dataDir: long });
      expect(other.socketPath.startsWith(join(tmpdir(), `vigil-${process.getuid!()}`))).toBe(true);
      const moved = check(other.socketPath);
      expect(moved.parentMode).toBe('700');
      const c = await connectSocket(other.socketPath);
      expect((await c.call('host.status', {}))?.ok).toBe(true);
      c.close();
      console.log(`[security] control socket: ${JSON.stringify(inDir)}; deep data folder -> ${other.socketPath} ${JSON.stringify(moved)}`);
    } finally {
      await other?.stop();
      deep.cleanup();
    }
  }, READY_TIMEOUT_MS + 60_000);

  it('limits a run token to its own issue while the run lives, and to nothing after', async () => {
    const other = (await mustCall<IssueDto>(conn, 'issues.create', { title: 'not yours', body: 'leave me alone' })) as IssueDto;
    const capture = join(scratch, 'token');
    const go = join(scratch, 'go');
    const command = [
      `printf '%s' "$VIGIL_RUN_TOKEN" > "$CAPTURE_PATH"`,
      `vigil issue comment "$OTHER_REF" 'sneaky by identifier'; echo "other-ident-exit=$?"`,
      `vigil issue comment "$OTHER_UUID" 'sneaky by id'; echo "other-id-exit=$?"`,
      `vigil issue update "$OTHER_REF" --status done; echo "other-update-exit=$?"`,
      `vigil issue show "$OTHER_REF" >/dev/null; echo "other-show-exit=$?"`,
      `vigil issue create 'made by an agent'; echo "create-exit=$?"`,
      `vigil issue comment "$VIGIL_ISSUE_ID" 'own comment'; echo "own-exit=$?"`,
      // The redactor holds back the last (longest secret - 1) bytes of a live stream: pad past them.
      `echo "calls done ${'.'.repeat(80)}"`,
      // Hold the run open (bounded) while the test uses the token from outside.
      `i=0; while [ ! -e "$GO_PATH" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`,
    ].join('\n');
    await mustCall(conn, 'agents.create', {
      name: 'token-probe',
      adapterType: 'process',
      command,
      env: { CAPTURE_PATH: capture, GO_PATH: go, OTHER_REF: other.identifier, OTHER_UUID: other.id },
      envPublic: ['CAPTURE_PATH', 'GO_PATH', 'OTHER_REF', 'OTHER_UUID'],
    });
    const own = await mustCall<IssueDto>(conn, 'issues.create', { title: 'yours', assignee: 'token-probe' });
    const run = await waitRun(conn, { issue: own.identifier }, (r) => r.status === 'running', 60_000, 'the token-probe run');
    ourRuns.add(run.id);
    await waitFor(() => existsSync(capture) && readFileSync(capture, 'utf8').length > 0, 60_000, 'the captured run token');
    const runToken = readFileSync(capture, 'utf8');
    await waitFor(async () => (await runLog(conn, run.id)).toString().includes('own-exit='), 120_000, 'the agent to finish its calls');

    // From outside, with the live token, on every transport.
    const ws = await connectWs(served!.baseUrl, served!.token);
    const viaHttp = async (method: string, params: unknown) =>
      JSON.parse(
        (
          await http(`${served!.baseUrl}api/call`, {
            method: 'POST',
            headers: { authorization: `Bearer ${served!.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id: 9, method, params, runToken }),
          })
        ).body,
      );
    const live: Record<string, string> = {};
    for (const [label, call] of [
      ['socket', (m: string, p: unknown) => conn.call(m, p, { runToken })],
      ['ws', (m: string, p: unknown) => ws.call(m, p, { runToken })],
      ['http', viaHttp],
    ] as const) {
      const outcome = async (m: string, p: unknown) => {
        const a = await call(m, p);
        return a?.ok ? 'ok' : (a?.error?.code ?? 'no answer');
      };
      live[`${label} comment other`] = await outcome('issues.comment', { issue: other.identifier, body: `sneaky via ${label}` });
      live[`${label} get other`] = await outcome('issues.get', { issue: other.id });
      live[`${label} update other`] = await outcome('issues.update', { issue: other.identifier, status: 'cancelled' });
      live[`${label} agents.list`] = await outcome('agents.list', {});
      live[`${label} runs.cancel`] = await outcome('runs.cancel', { run: run.id });
      live[`${label} issues.create`] = await outcome('issues.create', { title: 'by token' });
      live[`${label} get own`] = await outcome('issues.get', { issue: own.identifier });
    }
    expect((await mustCall<RunDetailDto>(conn, 'runs.get', { run: run.id })).status, 'the run was alive during the outside calls').toBe('running');
    expect(live).toEqual({
      'socket comment other': 'forbidden',
      'socket get other': 'forbidden',
      'socket update other': 'forbidden',
      'socket agents.list': 'forbidden',
      'socket runs.cancel': 'forbidden',
      // Since issue 21 an agent may file a sub-issue (vigil mcp's create_sub_issue): allowed while its run lives.
      'socket issues.create': 'ok',
      'socket get own': 'ok',
      'ws comment other': 'forbidden',
      'ws get other': 'forbidden',
      'ws update other': 'forbidden',
      'ws agents.list': 'forbidden',
      'ws runs.cancel': 'forbidden',
      'ws issues.create': 'ok',
      'ws get own': 'ok',
      'http comment other': 'forbidden',
      'http get other': 'forbidden',
      'http update other': 'forbidden',
      'http agents.list': 'forbidden',
      'http runs.cancel': 'forbidden',
      'http issues.create': 'ok',
      'http get own': 'ok',
    });

    writeFileSync(go, 'go');
    const done = await waitEnded(conn, run.id, 60_000);
    expect(done.status).toBe('succeeded');
    const log = (await runLog(conn, run.id)).toString();
    for (const refusedCall of ['other-ident-exit', 'other-id-exit', 'other-update-exit', 'other-show-exit']) {
      expect(log, refusedCall).toContain(`${refusedCall}=1`);
    }
    expect(log).toContain('own-exit=0');
    expect(log).toContain('create-exit=0');
    expect(log).toMatch(/may only act on its own issue/);
    expect(log).not.toContain(runToken);

    // Nothing reached the other issue; the agent's own comment did, attributed to its run.
    const otherAfter = await mustCall<IssueDetailDto>(conn, 'issues.get', { issue: other.identifier });
    expect(otherAfter.comments).toEqual([]);
    expect(otherAfter.status).toBe(other.status);
    expect(otherAfter.updatedAt).toBe(other.updatedAt);
    const ownAfter = await mustCall<IssueDetailDto>(conn, 'issues.get', { issue: own.identifier });
    expect(ownAfter.comments.find((c) => c.body === 'own comment')).toMatchObject({ authorType: 'agent', runId: run.id });
    const titles = (await allPages<IssueDto>(conn, 'issues.list')).map((i) => i.title);
    expect(titles).toContain('made by an agent');
    expect(titles).toContain('by token');

    // The run is over: its token is dead everywhere, even for its own issue.
    for (const c of [conn, ws]) {
      expect((await c.call('issues.comment', { issue: own.identifier, body: 'after the end' }, { runToken }))?.error?.code).toBe('unauthorized');
      expect((await c.call('host.status', {}, { runToken }))?.error?.code).toBe('unauthorized');
    }
    expect((await viaHttp('issues.get', { issue: own.identifier })).error.code).toBe('unauthorized');
    ws.close();
    console.log(`[security] run token: ${Object.keys(live).length} outside calls with a live token (5 refused, 2 allowed per transport), 4 refused CLI calls from inside the run, dead after the run`);
  }, 240_000);

  it("masks an agent's secret in what it writes on its issue through the CLI (comment, title, body)", async () => {
    const s = served!;
    const secret = `sk-report-${randomBytes(16).toString('hex')}`;
    const events = await connectSocket(s.socketPath);
    expect((await events.call('events.subscribe'))?.ok).toBe(true);
    // An agent reporting its failure on its issue, key and all: the host redacts its comments
    // (services/issues.ts), and must do the same for the title and body it sets.
    const command = [
      `vigil issue comment "$VIGIL_ISSUE_ID" "failed: the service rejected key $API_KEY"; echo "comment-exit=$?"`,
      `vigil issue update "$VIGIL_ISSUE_ID" --body "last error: key $API_KEY was rejected"; echo "body-exit=$?"`,
      `vigil issue update "$VIGIL_ISSUE_ID" --title "blocked on key $API_KEY"; echo "title-exit=$?"`,
      'exit 2',
    ].join('\n');
    await mustCall(conn, 'agents.create', { name: 'reporter', adapterType: 'process', command, env: { API_KEY: secret } });
    const issue = await mustCall<IssueDto>(conn, 'issues.create', { title: 'report your errors', assignee: 'reporter' });
    const run = await waitRun(conn, { issue: issue.identifier }, () => true, 60_000, 'the reporter run');
    ourRuns.add(run.id);
    await waitEnded(conn, run.id, 120_000);
    const log = (await runLog(conn, run.id)).toString();
    expect(log).toContain('comment-exit=0');
    expect(log).toContain('body-exit=0');
    expect(log).toContain('title-exit=0');
    await new Promise((r) => setTimeout(r, 300));
    const detail = await mustCall<IssueDetailDto>(conn, 'issues.get', { issue: issue.identifier });
    const found: Record<string, boolean> = {
      comment: detail.comments.some((c) => c.body.includes(secret)),
      body: detail.body.includes(secret),
      title: detail.title.includes(secret),
      activity: JSON.stringify(detail.activity).includes(secret),
      'issue.updated events': JSON.stringify(events.events.filter((e) => e.event === 'issue.updated')).includes(secret),
      'comment.added events': JSON.stringify(events.events.filter((e) => e.event === 'comment.added')).includes(secret),
    };
    events.close();
    console.log(`[security] agent-written issue text with its secret: ${Object.entries(found).map(([k, v]) => `${k} ${v ? 'LEAKED' : 'masked'}`).join(', ')}`);
    expect(detail.comments.some((c) => c.body === `failed: the service rejected key ${MASKED_SECRET}`)).toBe(true);
    expect(Object.entries(found).filter(([, leaked]) => leaked).map(([where]) => where)).toEqual([]);
  }, 240_000);

  it('never lets an agent secret out: logs, events, errors, answers, every table, the host output', async () => {
    const s = served!;
    const secret = `sk-vigil-${randomBytes(18).toString('hex')}`;
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const capture = join(scratch, 'leaky-token');
    // Subscribed before the agent exists, on both wire transports: every event of its life.
    const eventsWs = await connectWs(s.baseUrl, s.token);
    expect((await eventsWs.call('events.subscribe'))?.ok).toBe(true);
    const eventsSock = await connectSocket(s.socketPath);
    expect((await eventsSock.call('events.subscribe'))?.ok).toBe(true);

    const command = [
      `printf '%s' "$VIGIL_RUN_TOKEN" > "$CAPTURE_PATH"`,
      `echo "using key $API_KEY against the service"`,
      // The key split across two writes (two pty reads): the redactor must join them.
      `printf 'split: %s' "$(printf '%s' "$API_KEY" | cut -c1-11)"; sleep 0.4; printf '%s <- end\\n' "$(printf '%s' "$API_KEY" | cut -c12-)"`,
      `echo "password=$SERVICE_PASSWORD token=$VIGIL_RUN_TOKEN plain=$PLAIN_SETTING"`,
      // Calls that bounce with the key inside the host's error message.
      `vigil issue show "$API_KEY"; vigil issue comment "$API_KEY" 'x'`,
      `echo "fatal: authentication failed for key $API_KEY" >&2`,
      'exit 7',
    ].join('\n');
    await mustCall(conn, 'agents.create', {
      name: 'leaky',
      adapterType: 'process',
      command,
      env: { API_KEY: secret, SERVICE_PASSWORD: password, PLAIN_SETTING: 'visible-value', CAPTURE_PATH: capture },
      envPublic: ['PLAIN_SETTING', 'CAPTURE_PATH'],
    });
    const issue = await mustCall<IssueDto>(conn, 'issues.create', { title: 'use the key', assignee: 'leaky' });
    const first = await waitRun(conn, { issue: issue.identifier }, () => true, 60_000, 'the leaky run');
    ourRuns.add(first.id);
    const done = await waitEnded(conn, first.id, 120_000);
    // Recovery continues the failed issue once, and that continuation fails the same way: both end.
    const all = await waitFor(
      async () => {
        const runs = await runsOf(conn, { issue: issue.identifier });
        return runs.length >= 2 && runs.every((r) => !['queued', 'starting', 'running'].includes(r.status)) ? runs : null;
      },
      120_000,
      'the continuation run to end',
    );
    for (const r of all) ourRuns.add(r.id);
    const runToken = readFileSync(capture, 'utf8');
    expect(runToken.length).toBeGreaterThan(20);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'adapter_failed', exitCode: 7 });

    // The run did see the secrets: its log holds the masks where they were printed.
    const log = (await runLog(conn, first.id)).toString();
    expect(log).toContain(`using key ${MASKED_SECRET} against the service`);
    expect(log).toContain(`split: ${MASKED_SECRET} <- end`);
    expect(log).toContain(`password=${MASKED_SECRET} token=${MASKED_SECRET} plain=visible-value`);
    expect(log).toContain(`fatal: authentication failed for key ${MASKED_SECRET}`);
    expect(done.lastOutputLine).toContain(`authentication failed for key ${MASKED_SECRET}`);

    // Answers the host gives, on the socket and over HTTP.
    const answers: unknown[] = [];
    for (const r of all) {
      answers.push(await mustCall(conn, 'runs.get', { run: r.id }));
      answers.push((await runLog(conn, r.id)).toString('utf8'));
    }
    answers.push(await mustCall(conn, 'issues.get', { issue: issue.identifier }));
    const agent = await mustCall<AgentDto>(conn, 'agents.get', { agent: 'leaky' });
    answers.push(agent);
    answers.push(await mustCall(conn, 'agents.list', {}));
    answers.push(await allPages(conn, 'runs.list'));
    answers.push(await allPages(conn, 'issues.list'));
    answers.push(await mustCall(conn, 'activity.list', { limit: 500 }));
    answers.push(await mustCall(conn, 'escalations.list', { open: false }));
    answers.push(await mustCall(conn, 'host.status', {}));
    expect(agent.env).toEqual({ API_KEY: MASKED_SECRET, SERVICE_PASSWORD: MASKED_SECRET, PLAIN_SETTING: 'visible-value', CAPTURE_PATH: capture });
    const httpAnswer = await http(`${s.baseUrl}api/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, method: 'runs.get', params: { run: first.id } }),
    });
    answers.push(httpAnswer.body);
    // The CLI's renderings.
    const cliOut: string[] = [];
    for (const args of [['run', 'show', first.id], ['run', 'logs', first.id], ['agent', 'show', 'leaky'], ['issue', 'show', issue.identifier]]) {
      const human = await vigil(args, { dataDir: data!.dir });
      const json = await vigil([...args, '--json'], { dataDir: data!.dir });
      cliOut.push(human.stdout, human.stderr, json.stdout, json.stderr);
    }
    expect(cliOut.join('\n')).toContain(MASKED_SECRET);

    // Events: every document, and the bytes inside run.output.
    await new Promise((r) => setTimeout(r, 500));
    const events = [...eventsWs.events, ...eventsSock.events];
    expect(events.some((e) => e.event === 'run.output' && e.data.runId === first.id)).toBe(true);
    const outputBytes = events.filter((e) => e.event === 'run.output').map((e) => Buffer.from(e.data.data, 'base64').toString('utf8'));
    expect(outputBytes.join('')).toContain(MASKED_SECRET);
    eventsWs.close();
    eventsSock.close();

    // Every file in the data folder except the database itself (its rows are dumped below).
    const files: { path: string; text: string }[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const st = lstatSync(path);
        if (st.isDirectory()) {
          if (path !== pgliteDirOf(data!.dir) && !path.startsWith(join(data!.dir, 'backups'))) walk(path);
        } else if (st.isFile()) files.push({ path, text: readFileSync(path).toString('latin1') });
      }
    };
    walk(data!.dir);
    const logFiles = files.filter((f) => f.path.endsWith('.log'));
    expect(logFiles.length).toBeGreaterThanOrEqual(2);
    for (const f of logFiles) expect((statSync(f.path).mode & 0o077).toString(8), `${f.path} is private`).toBe('0');

    // The host stops cleanly; then every table of its database, as JSON.
    const exit = await s.stop();
    served = null;
    expect(exit.code).toBe(0);
    const hostOutput = `${s.output().stdout}\n${s.output().stderr}`;
    const store = await openStore({ pgliteDir: pgliteDirOf(data!.dir) });
    const tables: Record<string, unknown[]> = {};
    try {
      const names = await store.sql.query(
        `select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      );
      for (const { table_schema, table_name } of names) {
        tables[`${table_schema}.${table_name}`] = await store.sql.query(`select * from "${String(table_schema)}"."${String(table_name)}"`);
      }
    } finally {
      await store.close();
    }
    expect(Object.keys(tables).length).toBeGreaterThanOrEqual(8);
    // The one place a secret must live: the agent's configuration, to hand it to the next run.
    const agentRows = tables['public.agents'] as { name: string; env: Record<string, string> }[];
    expect(agentRows.find((a) => a.name === 'leaky')?.env.API_KEY).toBe(secret);
    for (const a of agentRows) a.env = Object.fromEntries(Object.keys(a.env).map((k) => [k, '(configured)']));

    const places: [string, string][] = [
      ...files.map((f): [string, string] => [`file ${f.path.slice(data!.dir.length)}`, f.text]),
      ['events', JSON.stringify(events)],
      ['run.output bytes', outputBytes.join('')],
      ['answers', JSON.stringify(answers)],
      ['cli output', cliOut.join('\n')],
      ['host stdout/stderr', hostOutput],
      ...Object.entries(tables).map(([name, rows]): [string, string] => [`table ${name}`, JSON.stringify(rows)]),
    ];
    const leaks: string[] = [];
    for (const [where, text] of places) {
      for (const [what, value] of [
        ['API_KEY', secret],
        ['SERVICE_PASSWORD', password],
        ['run token', runToken],
        ['API_KEY (start)', secret.slice(0, 11)],
        ['API_KEY (end)', secret.slice(11)],
      ] as const) {
        if (text.includes(value)) leaks.push(`${what} in ${where}`);
      }
    }
    console.log(
      `[security] secrets: searched ${files.length} files, ${events.length} events, ${answers.length} answers, ${cliOut.length / 4} CLI commands, the host output and ${Object.keys(tables).length} tables (${Object.values(tables).reduce((n, rows) => n + rows.length, 0)} rows): ${leaks.length} leaks${leaks.length ? `: ${leaks.join('; ')}` : ''}`,
    );
    expect(leaks).toEqual([]);
    // The start and end of a split secret must not survive on their own either (checked above), and
    // the mask itself proves the output was there to be found.
    expect((answers[0] as RunDetailDto).lastOutputLine).toContain(MASKED_SECRET);
  }, 600_000);
});
