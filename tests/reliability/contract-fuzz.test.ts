// Contract fuzzing against one real `vigil serve`: random and malformed calls (fast-check, from a
// printed seed) through the control socket, the WebSocket and POST /api/call. The host must never
// crash, must answer every request with a structured error or a result that matches the call's
// output schema, must echo the request's id, and must keep each connection usable for a
// well-formed follow-up. Calls per transport: FUZZ_CALLS (default 2,000, the CI form; the full
// manual run is FUZZ_CALLS=10000), FUZZ_HTTP_CALLS (default FUZZ_CALLS / 5); FUZZ_SEED replays a run.
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { calls, HostStatusDto, type CallName } from '../../src/shared/contract';
import { ERROR_CODES } from '../../src/shared/errors';
import { MAX_REQUEST_BYTES, SUBSCRIBE, UNSUBSCRIBE, WireRequest } from '../../src/shared/wire';
import { answerIdOf, generate, realize, type FuzzItem, type KnownRefs } from '../fixtures/reliability/fuzz-gen';
import { killByCookie } from '../fixtures/reliability/procs';
import { allPages, connectSocket, connectWs, mustCall, type Incoming, type Transport, type WireConn } from '../fixtures/reliability/wire';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, type Served } from '../helpers/serve';

const CALLS = Number(process.env.FUZZ_CALLS ?? 2_000);
const HTTP_CALLS = Number(process.env.FUZZ_HTTP_CALLS ?? Math.round(CALLS / 5));
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Connections per transport, each strictly one request at a time (so every answer is attributable). */
const CONNECTIONS = 4;
const ANSWER_TIMEOUT_MS = 30_000;
/** A well-formed host.status follows every raw or malformed input, and every this many calls. */
const PROBE_EVERY = 20;

interface Tally {
  sent: number;
  results: number;
  errors: Map<string, number>;
  invalidResults: string[];
  malformed: string[];
  unanswered: string[];
  idMismatch: string[];
  httpStatusMismatch: string[];
  internal: Map<string, number>;
  /** internal errors for text PostgreSQL cannot store (NUL, lone surrogates): pinned by their own test below. */
  unstorable: number;
  probes: number;
  probeFailures: string[];
  reconnects: number;
  closes: string[];
  ms: number;
}

const newTally = (): Tally => ({
  sent: 0,
  results: 0,
  errors: new Map(),
  invalidResults: [],
  malformed: [],
  unanswered: [],
  idMismatch: [],
  httpStatusMismatch: [],
  internal: new Map(),
  unstorable: 0,
  probes: 0,
  probeFailures: [],
  reconnects: 0,
  closes: [],
  ms: 0,
});

const HTTP_STATUS: Record<string, number> = {
  invalid_input: 400,
  unknown_call: 404,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthorized: 401,
  not_running: 503,
  internal: 500,
  unsupported: 501,
};

const short = (v: unknown) => {
  const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? `<${v.length} bytes>` : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 160)}…(${s.length})` : s;
};

/** POST /api/call takes the same request without an id. */
const HttpCall = WireRequest.partial({ id: true });

function methodOf(data: string | Buffer, http = false): string | null {
  if (typeof data !== 'string' || Buffer.byteLength(data) > MAX_REQUEST_BYTES) return null;
  try {
    const parsed = (http ? HttpCall : WireRequest).safeParse(JSON.parse(data));
    return parsed.success ? parsed.data.method : null;
  } catch {
    return null;
  }
}

const sameId = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Does the request carry a string PostgreSQL cannot store (a NUL, or a lone surrogate that ends up in jsonb)? */
function hasUnstorableText(data: string | Buffer): boolean {
  if (typeof data !== 'string') return false;
  let doc: unknown;
  try {
    doc = JSON.parse(data);
  } catch {
    return data.includes('\u0000');
  }
  const stack: unknown[] = [doc];
  for (let steps = 0; stack.length > 0 && steps < 100_000; steps++) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000') || LONE_SURROGATE.test(v)) return true;
    } else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) stack.push(k, inner);
    }
  }
  return false;
}

/** Judges one answer: a structured error, or a result matching the call's output schema, with the right id. */
function judge(t: Tally, data: string | Buffer, got: Incoming, httpStatus?: number): void {
  if (got.kind === 'garbage') {
    t.malformed.push(`not JSON: ${short(got.text)} for ${short(data)}`);
    return;
  }
  const doc = got.doc;
  if (!doc || typeof doc !== 'object' || typeof doc.ok !== 'boolean' || !('id' in doc)) {
    t.malformed.push(`not a response: ${short(doc)} for ${short(data)}`);
    return;
  }
  const expected = answerIdOf(data);
  const idOk = expected.strict ? sameId(doc.id, expected.id) : doc.id === null || sameId(doc.id, expected.id);
  // POST /api/call answers a malformed body with id null.
  if (!idOk && !(httpStatus !== undefined && doc.id === null && !doc.ok)) t.idMismatch.push(`got id ${short(doc.id)}, expected ${short(expected.id)} for ${short(data)}`);
  if (doc.ok) {
    const method = methodOf(data, httpStatus !== undefined);
    const schema =
      method === SUBSCRIBE || method === UNSUBSCRIBE
        ? null
        : method && Object.prototype.hasOwnProperty.call(calls, method)
          ? calls[method as CallName].output
          : undefined;
    if (schema === undefined) t.invalidResults.push(`a result for a request that is not a call: ${short(data)}`);
    else if (schema === null) {
      if (typeof doc.result?.subscribed !== 'boolean') t.invalidResults.push(`${method}: ${short(doc.result)}`);
      else t.results++;
    } else {
      const parsed = schema.safeParse(doc.result);
      if (parsed.success) t.results++;
      else t.invalidResults.push(`${method}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message} in ${short(doc.result)}`);
    }
    if (httpStatus !== undefined && httpStatus !== 200) t.httpStatusMismatch.push(`ok with HTTP ${httpStatus} for ${short(data)}`);
    return;
  }
  const e = doc.error;
  const structured =
    e && typeof e === 'object' && (ERROR_CODES as readonly string[]).includes(e.code) && typeof e.message === 'string' && e.message.length > 0 && (e.field === undefined || typeof e.field === 'string');
  if (!structured) {
    t.malformed.push(`unstructured error ${short(e)} for ${short(data)}`);
    return;
  }
  if (/\n\s+at /.test(e.message)) t.malformed.push(`stack trace in an error: ${short(e.message)}`);
  t.errors.set(e.code, (t.errors.get(e.code) ?? 0) + 1);
  if (e.code === 'internal' && hasUnstorableText(data)) {
    t.unstorable++;
  } else if (e.code === 'internal') {
    const key = `${e.message.slice(0, 200)}  <- ${short(data).slice(0, 200)}`;
    t.internal.set(key, (t.internal.get(key) ?? 0) + 1);
  }
  if (httpStatus !== undefined && httpStatus !== HTTP_STATUS[e.code] && !(httpStatus === 413 && e.code === 'invalid_input')) {
    t.httpStatusMismatch.push(`HTTP ${httpStatus} for ${e.code} (${short(e.message)})`);
  }
}

let served: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let refs: KnownRefs;
const ourRuns = new Set<string>();

async function openConn(transport: Transport): Promise<WireConn> {
  return transport === 'socket' ? connectSocket(served!.socketPath) : connectWs(served!.baseUrl, served!.token);
}

async function probe(conn: WireConn, t: Tally, after: string): Promise<boolean> {
  t.probes++;
  const answer = await conn.call('host.status', {}, { timeoutMs: ANSWER_TIMEOUT_MS });
  if (answer?.ok && HostStatusDto.safeParse(answer.result).success) return true;
  t.probeFailures.push(`after ${after}: ${answer ? short(answer) : `no answer (${conn.closeInfo ?? 'timeout'})`}`);
  return false;
}

async function wireWorker(transport: Transport, items: FuzzItem[], base: number, t: Tally): Promise<void> {
  let conn = await openConn(transport);
  let sinceProbe = 0;
  const reopen = async () => {
    conn.close();
    conn = await openConn(transport);
    t.reconnects++;
  };
  try {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const { data: payload, binary } = realize(item, transport, base + i);
      conn.sendRaw(transport === 'socket' ? (typeof payload === 'string' ? `${payload}\n` : Buffer.concat([payload, Buffer.from('\n')])) : payload, { binary });
      t.sent++;
      const got = await conn.next(ANSWER_TIMEOUT_MS);
      conn.events.length = 0;
      if (!got) {
        t.unanswered.push(`${item.kind}: ${short(payload)} (${conn.closeInfo ?? 'timeout'})`);
        await reopen();
        continue;
      }
      judge(t, payload, got);
      if (conn.isClosed) {
        t.closes.push(`${transport} closed after ${item.kind} ${short(payload)}: ${conn.closeInfo}`);
        await reopen();
        continue;
      }
      const raw = item.kind !== 'json' || methodOf(payload) === null;
      if (raw || ++sinceProbe >= PROBE_EVERY) {
        sinceProbe = 0;
        if (!(await probe(conn, t, `${item.kind} ${short(payload)}`))) await reopen();
      }
    }
  } finally {
    conn.close();
  }
}

async function httpWorker(items: FuzzItem[], base: number, t: Tally): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    const { data: payload } = realize(items[i], 'http', base + i);
    t.sent++;
    let res: Response;
    try {
      res = await fetch(`${served!.baseUrl}api/call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${served!.token}`, 'content-type': 'application/json' },
        body: typeof payload === 'string' ? payload : new Uint8Array(payload),
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      });
    } catch (err) {
      t.unanswered.push(`${items[i].kind}: ${short(payload)} (${(err as Error).message})`);
      continue;
    }
    const text = await res.text();
    let got: Incoming;
    try {
      got = { kind: 'doc', doc: JSON.parse(text) };
    } catch {
      got = { kind: 'garbage', text };
    }
    judge(t, payload, got, res.status);
  }
}

async function runTransport(transport: Transport | 'http', count: number, seed: number): Promise<Tally> {
  const t = newTally();
  const items = generate(refs, count, seed);
  const started = performance.now();
  const lanes = transport === 'http' ? 2 : CONNECTIONS;
  const share = (k: number) => items.filter((_, i) => i % lanes === k);
  await Promise.all(
    Array.from({ length: lanes }, (_, k) => (transport === 'http' ? httpWorker(share(k), 10_000_000 * (k + 1), t) : wireWorker(transport, share(k), 10_000_000 * (k + 1), t))),
  );
  t.ms = performance.now() - started;
  return t;
}

function report(name: string, t: Tally): string {
  const errors = [...t.errors].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  const lines = [
    `  ${name.padEnd(7)} sent ${t.sent}, answered ${t.results + [...t.errors.values()].reduce((a, b) => a + b, 0)} (results ${t.results}; errors ${errors || '0'}), ` +
      `unanswered ${t.unanswered.length}, malformed ${t.malformed.length}, invalid results ${t.invalidResults.length}, id mismatches ${t.idMismatch.length}` +
      `${name === 'http' ? `, HTTP status mismatches ${t.httpStatusMismatch.length}` : `, follow-ups ${t.probes - t.probeFailures.length}/${t.probes}, reconnects ${t.reconnects}`}, ${(t.ms / 1000).toFixed(1)} s`,
  ];
  const samples = [
    ...t.unanswered.slice(0, 3).map((s) => `unanswered: ${s}`),
    ...t.malformed.slice(0, 3).map((s) => `malformed: ${s}`),
    ...t.invalidResults.slice(0, 3).map((s) => `invalid result: ${s}`),
    ...t.idMismatch.slice(0, 3).map((s) => `id: ${s}`),
    ...t.httpStatusMismatch.slice(0, 3).map((s) => `http: ${s}`),
    ...t.probeFailures.slice(0, 3).map((s) => `follow-up failed: ${s}`),
    ...t.closes.slice(0, 3).map((s) => `closed: ${s}`),
    ...[...t.internal].slice(0, 5).map(([m, n]) => `internal x${n}: ${m}`),
    ...(t.unstorable ? [`internal x${t.unstorable} on text the database cannot store (NUL, lone surrogate): the known bug pinned by the next test`] : []),
  ];
  return [...lines, ...samples.map((s) => `    ${s}`)].join('\n');
}

describe('contract fuzzing', () => {
  beforeAll(async () => {
    ensureBuilt();
    data = tempDataDir('vigil-fuzz-');
    served = await startServe({ dataDir: data.dir });
    const conn = await connectSocket(served.socketPath);
    try {
      const agents = [
        await mustCall(conn, 'agents.create', { name: 'fz-ok', adapterType: 'process', command: 'true' }),
        await mustCall(conn, 'agents.create', { name: 'fz-fail', adapterType: 'process', command: 'echo failing; exit 3' }),
        await mustCall(conn, 'agents.create', { name: 'fz-slow', adapterType: 'process', command: 'sleep 1' }),
      ];
      const issues = [
        await mustCall(conn, 'issues.create', { title: 'fuzz target one', assignee: 'fz-ok' }),
        await mustCall(conn, 'issues.create', { title: 'fuzz target two', assignee: 'fz-fail' }),
        await mustCall(conn, 'issues.create', { title: 'fuzz target three' }),
      ];
      await mustCall(conn, 'issues.comment', { issue: issues[2].identifier, body: 'a comment to read back' });
      await mustCall(conn, 'agents.wake', { agent: 'fz-slow', reason: 'fuzz seed' });
      const runs = await allPages<{ id: string }>(conn, 'runs.list');
      refs = {
        agents: [...agents.map((a) => a.name), ...agents.map((a) => a.id)],
        issues: [...issues.map((i) => i.identifier), ...issues.map((i) => i.id)],
        runs: runs.map((r) => r.id),
        safeCwd: data.dir,
      };
    } finally {
      conn.close();
    }
  }, READY_TIMEOUT_MS + 600_000);

  afterAll(async () => {
    if (served) {
      // Every run of this data folder, for the cookie sweep after the host is gone.
      const conn = await connectSocket(served.socketPath).catch(() => null);
      if (conn) {
        for (const r of await allPages<{ id: string }>(conn, 'runs.list').catch(() => [])) ourRuns.add(r.id);
        conn.close();
      }
      await served.stop();
    }
    killByCookie(ourRuns);
    data?.cleanup();
  }, 120_000);

  it(`answers ${CALLS} random and malformed calls per transport (socket, WebSocket; ${HTTP_CALLS} over HTTP) without crashing`, async () => {
    const s = served!;
    console.log(`[fuzz] seed ${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_CALLS=${CALLS} FUZZ_HTTP_CALLS=${HTTP_CALLS})`);
    const socket = await runTransport('socket', CALLS, SEED);
    const ws = await runTransport('ws', CALLS, SEED + 1);
    const http = await runTransport('http', HTTP_CALLS, SEED + 2);

    // Transport policies, each once: the connection ends by design, the host goes on.
    const policy: string[] = [];
    {
      // A WebSocket message over ws's maxPayload (2 MiB) closes that connection with 1009.
      const conn = await connectWs(s.baseUrl, s.token);
      conn.sendRaw(`{"id":1,"method":"issues.create","params":{"title":"${'p'.repeat(3 * MAX_REQUEST_BYTES)}"}}`);
      await conn.next(ANSWER_TIMEOUT_MS);
      policy.push(`ws 3 MiB message: ${conn.closeInfo ?? 'still open'}`);
      expect(conn.closeInfo).toMatch(/^close 1009/);
      // A text frame that is not UTF-8 is a protocol error (1007).
      const bad = await connectWs(s.baseUrl, s.token);
      bad.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
      await bad.next(ANSWER_TIMEOUT_MS);
      policy.push(`ws invalid UTF-8 text frame: ${bad.closeInfo ?? 'still open'}`);
      expect(bad.closeInfo).toMatch(/^close 1007/);
      // A 6 MiB socket line, in many chunks: one "too large" answer, then the same connection works.
      const sock = await connectSocket(s.socketPath);
      sock.sendRaw(`{"id":5,"method":"issues.create","params":{"title":"${'q'.repeat(6 * MAX_REQUEST_BYTES)}"}}\n`);
      const tooLarge = await sock.next(ANSWER_TIMEOUT_MS);
      policy.push(`socket 6 MiB line: ${tooLarge?.kind === 'doc' ? short(tooLarge.doc) : 'no answer'}`);
      expect(tooLarge?.kind === 'doc' && tooLarge.doc.ok === false && tooLarge.doc.error.code === 'invalid_input').toBe(true);
      expect((await sock.call('host.status', {}))?.ok).toBe(true);
      expect(await sock.next(500)).toBeNull();
      sock.close();
      // Raw garbage instead of HTTP, and a WebSocket handshake cut short.
      for (const junk of [Buffer.from('\x00\x01\x02 not http at all\r\n\r\n'), Buffer.from(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nAuthorization: Bearer ${s.token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`)]) {
        await new Promise<void>((done) => {
          const raw = createConnection({ host: '127.0.0.1', port: s.port });
          raw.on('error', () => done());
          raw.on('close', () => done());
          raw.on('connect', () => {
            raw.write(junk);
            setTimeout(() => raw.destroy(), 300);
          });
        });
      }
      const fresh = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { authorization: `Bearer ${s.token}` } });
      await new Promise<void>((done, fail) => {
        fresh.once('open', () => done());
        fresh.once('error', fail);
      });
      fresh.terminate();
    }

    // The host never exited and still answers on fresh connections of both transports.
    const alive = s.proc.exitCode === null && s.proc.signalCode === null;
    const finalSocket = await connectSocket(s.socketPath);
    const finalWs = await connectWs(s.baseUrl, s.token);
    const statusSocket = await finalSocket.call('host.status', {});
    const statusWs = await finalWs.call('host.status', {});
    finalSocket.close();
    finalWs.close();

    const lines = [
      `[fuzz] contract fuzzing, seed ${SEED}: ${socket.sent} socket + ${ws.sent} WebSocket + ${http.sent} HTTP requests; host crashes ${alive ? 0 : 1}`,
      report('socket', socket),
      report('ws', ws),
      report('http', http),
      ...policy.map((p) => `  policy: ${p}`),
    ];
    const stderr = s.output().stderr.trim();
    if (stderr) lines.push(`  serve stderr (last 1500 chars): ${stderr.slice(-1500)}`);
    console.log(lines.join('\n'));

    expect(alive, 'the host process never exited').toBe(true);
    expect(statusSocket?.ok && HostStatusDto.safeParse(statusSocket.result).success).toBe(true);
    expect(statusWs?.ok && HostStatusDto.safeParse(statusWs.result).success).toBe(true);
    for (const [name, t] of [
      ['socket', socket],
      ['ws', ws],
      ['http', http],
    ] as const) {
      const answered = t.results + [...t.errors.values()].reduce((a, b) => a + b, 0);
      expect.soft(t.unanswered, `${name}: unanswered requests`).toEqual([]);
      expect.soft(t.malformed, `${name}: answers that are neither a result nor a structured error`).toEqual([]);
      expect.soft(t.invalidResults, `${name}: results that do not match the call's output schema`).toEqual([]);
      expect.soft(t.idMismatch, `${name}: answers with the wrong id`).toEqual([]);
      expect.soft(t.httpStatusMismatch, `${name}: HTTP status not matching the error code`).toEqual([]);
      expect.soft(t.probeFailures, `${name}: well-formed follow-ups that failed`).toEqual([]);
      expect.soft(t.closes, `${name}: connections the host closed`).toEqual([]);
      expect.soft(answered, `${name}: every request answered`).toBe(t.sent);
      expect.soft([...t.internal.keys()], `${name}: internal errors (a handler failed on an input the contract accepted)`).toEqual([]);
    }
    expect(socket.sent).toBe(CALLS);
    expect(ws.sent).toBe(CALLS);
  }, 3_600_000);

  // Found by the fuzzer, pinned here: text PostgreSQL cannot store (a NUL character; a lone UTF-16
  // surrogate inside a jsonb value) passes the contract's zod schemas and then fails in the
  // database, answered as `internal` (a 500 on /api/call) instead of invalid_input.
  it('answers text the database cannot store (NUL, lone surrogates) as a client error, not internal', async () => {
    const conn = await connectSocket(served!.socketPath);
    try {
      const issue = await mustCall<{ identifier: string }>(conn, 'issues.create', { title: 'a target for odd text' });
      const outcomes: string[] = [];
      for (const [label, odd] of [
        ['NUL', 'a\u0000b'],
        ['lone surrogate', 'a\ud800b'],
      ] as const) {
        const cases: [string, Record<string, unknown>][] = [
          ['agents.get', { agent: odd }],
          ['agents.create', { name: 'odd-text', adapterType: 'process', command: `echo ${odd}` }],
          ['issues.create', { title: `title ${odd}` }],
          ['issues.create', { title: 'plain title', body: odd }],
          ['issues.get', { issue: odd }],
          ['issues.list', { q: odd }],
          ['issues.update', { issue: issue.identifier, title: `title ${odd}` }],
          ['issues.comment', { issue: issue.identifier, body: `comment ${odd}` }],
          ['runs.get', { run: odd }],
          ['escalations.dismiss', { escalation: odd }],
          ['activity.list', { entityId: odd }],
        ];
        for (const [method, params] of cases) {
          const answer = await conn.call(method, params);
          const outcome = answer?.ok ? 'ok' : (answer?.error?.code ?? 'no answer');
          outcomes.push(`${label} ${method} ${Object.keys(params).join(',')}: ${outcome}${outcome === 'internal' ? ` (${String(answer.error.message).slice(0, 120)})` : ''}`);
          // A stored odd value must be cleaned up so later cases start alike.
          if (answer?.ok && method === 'agents.create') await conn.call('agents.remove', { agent: 'odd-text' });
        }
      }
      console.log(`[fuzz] odd text:\n  ${outcomes.join('\n  ')}`);
      expect(outcomes.filter((o) => o.includes(': internal') || o.includes(': no answer'))).toEqual([]);
      expect((await conn.call('host.status', {}))?.ok).toBe(true);
    } finally {
      conn.close();
    }
  }, 120_000);
});
