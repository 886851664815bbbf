// The host crash loop: a real `vigil serve` is SIGKILLed CRASH_LOOPS times (CI 25, manual 200)
// while agents run in ptys (one printing as fast as it can, one leaving a nohup'd child, one a
// setsid'd grandchild, one calling back through the CLI) and while issues and comments are being
// created through the control socket and the CLI. After every restart:
//   - it opens (prints `Vigil ready:`),
//   - every issue and comment the host acknowledged before the kill is still there,
//   - after a short settle, every run recorded `running` has a live process with its recorded
//     start identity (none stuck),
//   - no process carrying the cookie of an ended run is alive (no orphans),
// and at the end every lost run has exactly one retry and no retry was retried for process loss,
// and every retry of a run that had reported its agent session (a claude_local agent, the fake
// claude) resumed that session.
// Most kills hit the host alone (its process group): the agents live on in the pty host, and no
// run whose agent was alive at the kill may end as process_lost; every fourth kill hits the host
// and the pty host together (today's recovery). Every printer run that succeeded has exactly the
// bytes it printed (sha256), however many kills it lived through.
// CRASH_DB=postgres runs it on the test PostgreSQL server instead of PGlite.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { IssueDetailDto, IssueDto, RunDto } from '../../src/shared/contract';
import { isSameProcess, readStartIdentity } from '../../src/node/process/identity';
import { cookieProcesses, killByCookie, stillAlive } from '../fixtures/reliability/procs';
import { allPages, connectSocket, type WireConn } from '../fixtures/reliability/wire';
import { ensureBuilt, startServe, tempDataDir, vigil, type Served } from '../helpers/serve';
import { freshPgDatabase } from '../helpers/stores';

const LOOPS = Number(process.env.CRASH_LOOPS ?? 25);
const DB = process.env.CRASH_DB === 'postgres' ? 'postgres' : 'pglite';
/** Rows each loop may create before the kill (two socket writers and one CLI writer share it). */
const MAX_ROWS_PER_LOOP = 30;
/** How long after the first run is seen running the kill may come (uniformly, ms). */
const KILL_DELAY_MS: [number, number] = [150, 1500];
/** After `Vigil ready:`, how long runs get to settle before the stuck-run check. */
const SETTLE_MS = 1000;
/** A suspect (stuck run, orphan) must still be one after this long to count. */
const RECHECK_MS = 3000;
/** The whole ledger is verified every this many loops (and at the end); new rows every loop. */
const FULL_CHECK_EVERY = 10;

const AGENTS: Record<string, string> = {
  printer: 'for i in 1 2 3 4 5 6; do seq 1 4000 | sed "s/^/burst $i line /"; sleep 0.2; done',
  sleeper: 'echo started; sleep 2; echo finished',
  forker: 'nohup sleep 60 >/dev/null 2>&1 & echo forked; sleep 1.5',
  setsider: 'setsid sleep 60 >/dev/null 2>&1 & echo escaped; sleep 1.5',
  caller: 'vigil issue comment "$VIGIL_ISSUE_ID" "progress from the agent"; sleep 1',
};
/** A claude_local agent (the fake claude, held alive a while) whose sessions must survive the kills. */
const CLAUDE_AGENT = 'talker';
const FAKE_BIN = fileURLToPath(new URL('../fixtures/adapters/bin', import.meta.url));
const AGENT_NAMES = [...Object.keys(AGENTS), CLAUDE_AGENT];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));
const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);

interface Row {
  kind: 'issue' | 'comment';
  id: string;
  /** The issue's id (for a comment, the issue it was made on). */
  issueId: string;
  loop: number;
  via: 'socket' | 'cli';
}

interface Figures {
  loops: number;
  restarts: number;
  unrecoverableOpens: number;
  openMs: number[];
  ackedIssues: number;
  ackedComments: number;
  lostRows: string[];
  stuckRuns: string[];
  orphans: string[];
  duplicateRetries: string[];
  lostWithoutRetry: string[];
  /** Retries of a run with a session whose command line did not resume it. */
  retriesNotResumed: string[];
  resumedRetries: number;
  runningAtKill: number[];
  reapedByRecovery: number;
  processesStoppedByRecovery: number;
  rowsPerLoop: number[];
  hostOnlyKills: number;
  bothKills: number;
  /** Runs whose agent was alive right after a host-only kill, yet ended as process_lost. */
  lostWhereAgentLived: string[];
  printerLogsChecked: number;
  printerLogMismatches: string[];
}

/** What the printer agent prints, as its pty delivers it. */
const PRINTER_OUTPUT = Buffer.from(
  [1, 2, 3, 4, 5, 6].map((i) => Array.from({ length: 4000 }, (_, n) => `burst ${i} line ${n + 1}\r\n`).join('')).join(''),
);
const PRINTER_SHA = createHash('sha256').update(PRINTER_OUTPUT).digest('hex');
/** Runs whose agent was alive right after a host-only kill. */
const aliveAtHostOnlyKill = new Set<string>();

let served: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let env: NodeJS.ProcessEnv = {};
const ourRuns = new Set<string>();

async function start(f: Figures): Promise<Served> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const t0 = performance.now();
    try {
      const s = await startServe({ dataDir: data!.dir, env, detached: true });
      f.openMs.push(performance.now() - t0);
      const recovered = /notice: Recovered after an unclean stop: (.*)\n/.exec(s.output().stdout)?.[1] ?? '';
      f.reapedByRecovery += Number(/(\d+) lost run\(s\)/.exec(recovered)?.[1] ?? 0);
      f.processesStoppedByRecovery += Number(/(\d+) orphaned process\(es\) stopped/.exec(recovered)?.[1] ?? 0);
      return s;
    } catch (err) {
      f.unrecoverableOpens++;
      console.error(`[crash loop] restart failed (attempt ${attempt + 1}): ${(err as Error).message.slice(0, 2000)}`);
    }
  }
  throw new Error('the host did not open twice in a row');
}

/** Creates issues and comments over one socket connection until told to stop; acked rows go to the ledger. */
async function socketWriter(conn: WireConn, loop: number, ledger: Row[], budget: { left: number }, stop: { now: boolean }): Promise<void> {
  while (!stop.now && budget.left > 0 && !conn.isClosed) {
    budget.left--;
    const roll = Math.random();
    const issues = ledger.filter((r) => r.kind === 'issue');
    if (roll < 0.4 || issues.length === 0) {
      const assign = roll < 0.2;
      const answer = await conn.call('issues.create', {
        title: `loop ${loop} ${assign ? 'assigned' : 'plain'} ${Math.random().toString(36).slice(2, 8)}`,
        body: 'x'.repeat(rand(0, 2000)),
        ...(assign ? { assignee: AGENT_NAMES[rand(0, AGENT_NAMES.length)] } : {}),
      });
      if (answer?.ok) ledger.push({ kind: 'issue', id: answer.result.id, issueId: answer.result.id, loop, via: 'socket' });
      else if (answer) throw new Error(`issues.create refused: ${JSON.stringify(answer.error)}`);
    } else {
      const target = issues[issues.length - 1 - rand(0, Math.min(issues.length, 20))];
      const answer = await conn.call('issues.comment', { issue: target.id, body: `loop ${loop} comment ${Math.random().toString(36).slice(2, 8)}` });
      if (answer?.ok) ledger.push({ kind: 'comment', id: answer.result.id, issueId: target.id, loop, via: 'socket' });
      else if (answer) throw new Error(`issues.comment refused: ${JSON.stringify(answer.error)}`);
    }
    await sleep(rand(20, 120));
  }
}

/** One issue through the real CLI per loop: acked when the command exited 0 and printed it. */
async function cliWriter(loop: number, ledger: Row[]): Promise<void> {
  const r = await vigil(['issue', 'create', `loop ${loop} from the cli`, '--json'], { dataDir: data!.dir, env });
  if (r.code !== 0) return;
  const issue = JSON.parse(r.stdout) as IssueDto;
  ledger.push({ kind: 'issue', id: issue.id, issueId: issue.id, loop, via: 'cli' });
}

/** Acked rows missing now; each lost row is counted once and then no longer looked for. */
async function verifyLedger(conn: WireConn, rows: Row[], f: Figures): Promise<Row[]> {
  if (rows.length === 0) return [];
  const present = new Set((await allPages<IssueDto>(conn, 'issues.list')).map((i) => i.id));
  const missing: Row[] = [];
  const withComments = new Set(rows.filter((r) => r.kind === 'comment').map((r) => r.issueId));
  const comments = new Set<string>();
  for (const issueId of withComments) {
    if (!present.has(issueId)) continue;
    const answer = await conn.call('issues.get', { issue: issueId });
    if (!answer?.ok) throw new Error(`issues.get ${issueId}: ${JSON.stringify(answer?.error ?? conn.closeInfo)}`);
    for (const c of (answer.result as IssueDetailDto).comments) comments.add(c.id);
  }
  for (const r of rows) {
    const there = r.kind === 'issue' ? present.has(r.id) : comments.has(r.id);
    if (!there) {
      missing.push(r);
      f.lostRows.push(`${r.kind} ${r.id} (loop ${r.loop}, via ${r.via})`);
    }
  }
  return missing;
}

async function allRuns(conn: WireConn): Promise<RunDto[]> {
  const runs = await allPages<RunDto>(conn, 'runs.list');
  for (const r of runs) ourRuns.add(r.id);
  return runs;
}

/** Runs recorded running whose process is not the recorded one (after a settle and a recheck). */
async function stuckRuns(conn: WireConn): Promise<string[]> {
  const suspects = (await allRuns(conn)).filter((r) => r.status === 'running' && !(r.processPid && r.processStartId && readStartIdentity(r.processPid) === r.processStartId));
  if (suspects.length === 0) return [];
  await sleep(RECHECK_MS);
  const now = new Map((await allRuns(conn)).map((r) => [r.id, r]));
  return suspects
    .filter((s) => {
      const r = now.get(s.id);
      return r?.status === 'running' && r.processPid === s.processPid && !(r.processPid && r.processStartId && readStartIdentity(r.processPid) === r.processStartId);
    })
    .map((r) => `${r.id} (${r.agent}, pid ${r.processPid}, ${r.errorCode ?? 'no error code'})`);
}

/** Live processes carrying the cookie of a run that has ended (after a recheck); they are killed once counted. */
async function orphans(conn: WireConn | null, runs: Map<string, RunDto> | null): Promise<string[]> {
  const table = runs ?? new Map((await allRuns(conn!)).map((r) => [r.id, r]));
  const suspects = cookieProcesses(ourRuns).filter((p) => TERMINAL.has(table.get(p.runId)?.status ?? 'unknown'));
  if (suspects.length === 0) return [];
  await sleep(RECHECK_MS);
  const again = runs ?? new Map((await allRuns(conn!)).map((r) => [r.id, r]));
  const found = suspects.filter((p) => stillAlive(p) && TERMINAL.has(again.get(p.runId)?.status ?? 'unknown'));
  for (const p of found) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return found.map((p) => `pid ${p.pid} (${p.comm}) of ${again.get(p.runId)?.status} run ${p.runId} (${again.get(p.runId)?.agent})`);
}

/**
 * Every retry of a lost run that had reported its session, and whose command started, resumed
 * that session: its command line (the fake claude's argv file; the prompt names the run) holds
 * `--resume <session>`.
 */
function resumeFigures(runs: RunDto[], argvFile: string, f: Figures): void {
  const argvOf = new Map<string, string[]>();
  for (const line of existsSync(argvFile) ? readFileSync(argvFile, 'utf8').split('\n').filter(Boolean) : []) {
    const argv = (JSON.parse(line) as { argv: string[] }).argv;
    const runId = /\(run ([0-9a-f-]{36})\)/.exec(argv[argv.length - 1] ?? '')?.[1];
    if (runId) argvOf.set(runId, argv);
  }
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const retry of runs) {
    const original = retry.retryOfRunId ? byId.get(retry.retryOfRunId) : undefined;
    const argv = argvOf.get(retry.id);
    if (!original?.sessionId || original.agent !== CLAUDE_AGENT || !argv) continue;
    const at = argv.indexOf('--resume');
    if (at >= 0 && argv[at + 1] === original.sessionId) f.resumedRetries++;
    else f.retriesNotResumed.push(`${retry.id} (retry of ${original.id}, session ${original.sessionId}): ${at >= 0 ? `resumed ${argv[at + 1]}` : 'no --resume'}`);
  }
}

/** Retry chains over every run: one retry per lost run, none of a retry lost in turn. */
function retryFigures(runs: RunDto[], f: Figures): void {
  const retriesOf = new Map<string, RunDto[]>();
  for (const r of runs) if (r.retryOfRunId) retriesOf.set(r.retryOfRunId, [...(retriesOf.get(r.retryOfRunId) ?? []), r]);
  const byId = new Map(runs.map((r) => [r.id, r]));
  for (const [original, retries] of retriesOf) {
    if (retries.length > 1) f.duplicateRetries.push(`${original} retried ${retries.length} times`);
    const o = byId.get(original);
    if (o && o.processLossRetryCount >= 1) f.duplicateRetries.push(`${original} was already a retry and was retried again (${retries.map((r) => r.id).join(', ')})`);
  }
  for (const r of runs) {
    if (r.status !== 'failed' || r.errorCode !== 'process_lost' || r.processLossRetryCount !== 0) continue;
    // A detached process that later exited on its own is finalized without a retry (recovery.ts: watchDetached).
    if (r.error?.startsWith('The detached process')) continue;
    if ((retriesOf.get(r.id) ?? []).length !== 1) f.lostWithoutRetry.push(`${r.id} (${r.agent}): ${retriesOf.get(r.id)?.length ?? 0} retries`);
  }
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0);

describe('host crash loop', () => {
  beforeAll(async () => {
    ensureBuilt();
    data = tempDataDir('vigil-hostcrash-');
    if (DB === 'postgres') {
      if (!inject('pgUrl')) throw new Error('CRASH_DB=postgres needs a PostgreSQL server (VIGIL_TEST_PG_URL or a local install)');
      env = { DATABASE_URL: await freshPgDatabase() };
    }
  }, 600_000);

  afterAll(async () => {
    await served?.stop();
    killByCookie(ourRuns);
    data?.cleanup();
  }, 120_000);

  it(`survives ${LOOPS} SIGKILLs during writes and runs: every restart opens, nothing acked is lost, no stuck run, no orphan, one retry per lost run`, async () => {
    const started = performance.now();
    const f: Figures = {
      loops: 0,
      restarts: 0,
      unrecoverableOpens: 0,
      openMs: [],
      ackedIssues: 0,
      ackedComments: 0,
      lostRows: [],
      stuckRuns: [],
      orphans: [],
      duplicateRetries: [],
      lostWithoutRetry: [],
      retriesNotResumed: [],
      resumedRetries: 0,
      runningAtKill: [],
      reapedByRecovery: 0,
      processesStoppedByRecovery: 0,
      rowsPerLoop: [],
      hostOnlyKills: 0,
      bothKills: 0,
      lostWhereAgentLived: [],
      printerLogsChecked: 0,
      printerLogMismatches: [],
    };
    const ledger: Row[] = [];
    let unverified: Row[] = [];
    served = await start(f);
    let conn = await connectSocket(served.socketPath);
    for (const [name, command] of Object.entries(AGENTS)) {
      const answer = await conn.call('agents.create', { name, adapterType: 'process', command });
      expect(answer?.ok, JSON.stringify(answer)).toBe(true);
    }
    const argvFile = join(data!.dir, 'claude-argv.jsonl');
    const claude = await conn.call('agents.create', {
      name: CLAUDE_AGENT,
      adapterType: 'claude_local',
      env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_ARGV_FILE: argvFile, FAKE_CLAUDE_HOLD_MS: '1500' },
    });
    expect(claude?.ok, JSON.stringify(claude)).toBe(true);

    for (let loop = 0; loop < LOOPS; loop++) {
      // Writes and runs, then the kill.
      const rows: Row[] = ledger.filter((r) => r.kind === 'issue').slice(-20);
      const fresh: Row[] = [];
      const stop = { now: false };
      const budget = { left: MAX_ROWS_PER_LOOP };
      const lane = (mine: Row[]) => {
        // Both lanes see issues from before this loop to comment on; each keeps its own acks.
        const view: Row[] = [...rows];
        return socketWriter(conn, loop, view, budget, stop).then(() => {
          mine.push(...view.slice(rows.length));
        });
      };
      const a: Row[] = [];
      const b: Row[] = [];
      const cliRows: Row[] = [];
      const writers = Promise.all([lane(a), lane(b), cliWriter(loop, cliRows)]);
      // Kill once a run is active (bounded wait), a random moment later.
      const deadline = Date.now() + 8000;
      for (;;) {
        const status = await conn.call('host.status', {}, { timeoutMs: 5000 });
        if ((status?.ok && status.result.runs.running > 0) || Date.now() > deadline) {
          f.runningAtKill.push(status?.ok ? status.result.runs.running : 0);
          break;
        }
        await sleep(100);
      }
      await sleep(rand(KILL_DELAY_MS[0], KILL_DELAY_MS[1]));
      const status = await conn.call('host.status', {}, { timeoutMs: 5000 });
      if (status?.ok) f.runningAtKill[f.runningAtKill.length - 1] = status.result.runs.running;
      if (loop % 4 === 3) {
        f.bothKills++;
        await served.kill();
      } else {
        f.hostOnlyKills++;
        const before = (await allRuns(conn).catch(() => [] as RunDto[])).filter((r) => r.status === 'running');
        await served.killHostOnly();
        for (const r of before) if (isSameProcess(r.processPid, r.processStartId)) aliveAtHostOnlyKill.add(r.id);
      }
      stop.now = true;
      await writers;
      conn.close();
      fresh.push(...a, ...b, ...cliRows);
      ledger.push(...fresh);
      unverified.push(...fresh);
      f.rowsPerLoop.push(fresh.length);
      f.ackedIssues += fresh.filter((r) => r.kind === 'issue').length;
      f.ackedComments += fresh.filter((r) => r.kind === 'comment').length;

      // Restart and check.
      served = await start(f);
      f.restarts++;
      conn = await connectSocket(served.socketPath);
      const full = (loop + 1) % FULL_CHECK_EVERY === 0 || loop === LOOPS - 1;
      const missing = await verifyLedger(conn, full ? ledger : unverified, f);
      unverified = [];
      for (const m of missing) ledger.splice(ledger.indexOf(m), 1);
      // Right after `ready`, recovery has run: leftovers of the lost runs must be gone already.
      f.orphans.push(...(await orphans(conn, null)));
      await sleep(SETTLE_MS);
      f.stuckRuns.push(...(await stuckRuns(conn)));
      f.loops++;
      if (missing.length || f.unrecoverableOpens) console.error(`[crash loop] loop ${loop}: ${missing.length} acked rows missing after the restart`);
    }

    // The end: retry chains over every run, then a clean stop that must leave no process behind.
    const runs = await allRuns(conn);
    retryFigures(runs, f);
    f.lostWhereAgentLived = runs.filter((r) => aliveAtHostOnlyKill.has(r.id) && r.errorCode === 'process_lost').map((r) => `${r.id} (${r.agent})`);
    for (const r of runs.filter((r) => r.agent === 'printer' && r.status === 'succeeded')) {
      f.printerLogsChecked++;
      if (r.logSha256 !== PRINTER_SHA || r.logBytes !== PRINTER_OUTPUT.length) f.printerLogMismatches.push(`${r.id}: ${r.logBytes} bytes, sha ${r.logSha256}`);
    }
    resumeFigures(runs, argvFile, f);

    // The detectors themselves see what they look for: a planted orphan and a planted lost row.
    const ended = runs.find((r) => TERMINAL.has(r.status))!;
    const planted = spawn('sleep', ['30'], { env: { ...process.env, VIGIL_RUN_ID: ended.id }, stdio: 'ignore' });
    await sleep(300);
    const seen = await orphans(conn, null);
    expect(seen.some((o) => o.startsWith(`pid ${planted.pid} `)), `the planted orphan was found: ${seen.join('; ')}`).toBe(true);
    const scratch = { ...f, lostRows: [] as string[] };
    expect(await verifyLedger(conn, [{ kind: 'issue', id: randomUUID(), issueId: 'none', loop: -1, via: 'socket' }], scratch)).toHaveLength(1);
    conn.close();
    const exit = await served.stop();
    served = null;
    expect(exit.code, 'the last host stops cleanly').toBe(0);
    await sleep(500);
    const afterStop = cookieProcesses(ourRuns).filter(stillAlive);
    f.orphans.push(...afterStop.map((p) => `pid ${p.pid} (${p.comm}) of run ${p.runId} alive after a clean stop`));
    killByCookie(ourRuns);

    const seconds = (performance.now() - started) / 1000;
    const summary =
      `[crash loop] ${DB}: loops=${f.loops} unrecoverable_opens=${f.unrecoverableOpens} lost_rows=${f.lostRows.length} stuck_runs=${f.stuckRuns.length} ` +
      `orphans=${f.orphans.length} duplicate_retries=${f.duplicateRetries.length} lost_runs_without_retry=${f.lostWithoutRetry.length} ` +
      `retries_not_resumed=${f.retriesNotResumed.length} (resumed ${f.resumedRetries}) | ` +
      `acked ${f.ackedIssues} issues + ${f.ackedComments} comments (${median(f.rowsPerLoop)} rows/loop), ${runs.length} runs ` +
      `(${runs.filter((r) => r.errorCode === 'process_lost').length} lost, ${runs.filter((r) => r.retryOfRunId).length} retries, ${runs.filter((r) => r.status === 'succeeded').length} succeeded), ` +
      `running at kill ${f.runningAtKill.reduce((a, b) => a + b, 0)} (median ${median(f.runningAtKill)}), recovery reaped ${f.reapedByRecovery} runs and stopped ${f.processesStoppedByRecovery} processes, ` +
      `kills host only/both ${f.hostOnlyKills}/${f.bothKills}, runs lost where the agent lived ${f.lostWhereAgentLived.length}, ` +
      `printer logs byte-exact ${f.printerLogsChecked - f.printerLogMismatches.length}/${f.printerLogsChecked}, ` +
      `open ms median/max ${median(f.openMs).toFixed(0)}/${Math.max(0, ...f.openMs).toFixed(0)}, ${seconds.toFixed(0)} s`;
    const details = [
      ...f.lostRows.slice(0, 10).map((s) => `  lost: ${s}`),
      ...f.stuckRuns.slice(0, 10).map((s) => `  stuck: ${s}`),
      ...f.orphans.slice(0, 10).map((s) => `  orphan: ${s}`),
      ...f.duplicateRetries.slice(0, 10).map((s) => `  duplicate retry: ${s}`),
      ...f.lostWithoutRetry.slice(0, 10).map((s) => `  lost run without its retry: ${s}`),
      ...f.retriesNotResumed.slice(0, 10).map((s) => `  retry not resumed: ${s}`),
      ...f.lostWhereAgentLived.slice(0, 10).map((s) => `  lost though its agent lived: ${s}`),
      ...f.printerLogMismatches.slice(0, 10).map((s) => `  printer log not byte-exact: ${s}`),
    ];
    console.log([summary, ...details].join('\n'));

    expect(f.loops).toBe(LOOPS);
    expect(f.unrecoverableOpens, 'restarts that did not open').toBe(0);
    expect(f.lostRows, 'acked rows lost').toEqual([]);
    expect(f.stuckRuns, 'runs stuck running without their process').toEqual([]);
    expect(f.orphans, 'processes of ended runs left alive').toEqual([]);
    expect(f.duplicateRetries, 'duplicate retries').toEqual([]);
    expect(f.lostWithoutRetry, 'lost runs without exactly one retry').toEqual([]);
    expect(f.retriesNotResumed, 'retries of a run with a session that did not resume it').toEqual([]);
    expect(f.lostWhereAgentLived, 'runs lost although their agent lived through a host-only kill').toEqual([]);
    expect(f.printerLogMismatches, 'printer logs that are not what it printed').toEqual([]);
    expect(f.ackedIssues + f.ackedComments).toBeGreaterThan(LOOPS);
    expect(f.reapedByRecovery, 'runs were active at the kills').toBeGreaterThan(0);
  }, 3_600_000);
});
