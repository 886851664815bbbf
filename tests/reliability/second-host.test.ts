// A second host on a data folder that a live `vigil serve` owns: every attempt (the same path,
// a symlink to it, a spelling with ./ and a trailing slash, several at once, with DATABASE_URL
// pointing elsewhere) must exit non-zero naming the owner's pid, without touching the owner's
// lock, socket, runs or data. The first host keeps answering and keeps working.
import { spawn } from 'node:child_process';
import { lstatSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { IssueDetailDto, IssueDto, RunDto } from '../../src/shared/contract';
import { killByCookie, stillAlive } from '../fixtures/reliability/procs';
import { runsOf, waitEnded, waitRun } from '../fixtures/reliability/runs';
import { allPages, connectSocket, mustCall, type WireConn } from '../fixtures/reliability/wire';
import { pidAlive } from '../helpers/host';
import { childEnv, ensureBuilt, READY_TIMEOUT_MS, ROOT, startServe, tempDataDir, VIGIL_BIN, type Served } from '../helpers/serve';
import { freshPgDatabase } from '../helpers/stores';
import { readStartIdentity } from '../../src/node/process/identity';

interface Attempt {
  label: string;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `vigil serve` on `dir` and waits (bounded) for it to exit by itself. */
function attempt(label: string, dir: string, env: NodeJS.ProcessEnv = {}): Promise<Attempt> {
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [VIGIL_BIN, 'serve', '--data-dir', dir, '--port', '0'], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    proc.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ label, code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

interface Snapshot {
  agents: string[];
  issues: string[];
  comments: string[];
  runs: string[];
}

async function snapshot(conn: WireConn): Promise<Snapshot> {
  const issues = await allPages<IssueDto>(conn, 'issues.list');
  const comments: string[] = [];
  for (const i of issues) {
    const detail = await mustCall<IssueDetailDto>(conn, 'issues.get', { issue: i.id });
    for (const c of detail.comments) comments.push(`${i.identifier}/${c.id}/${c.body}`);
  }
  return {
    agents: (await mustCall<{ name: string }[]>(conn, 'agents.list', {})).map((a) => a.name).sort(),
    issues: issues.map((i) => `${i.id}/${i.identifier}/${i.title}/${i.body}`).sort(),
    comments: comments.sort(),
    runs: (await allPages<RunDto>(conn, 'runs.list')).map((r) => r.id).sort(),
  };
}

let first: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let conn: WireConn | null = null;
const ourRuns = new Set<string>();

describe('a second host on the same data folder', () => {
  beforeAll(async () => {
    ensureBuilt();
    data = tempDataDir('vigil-second-');
    first = await startServe({ dataDir: data.dir });
    conn = await connectSocket(first.socketPath);
  }, READY_TIMEOUT_MS + 600_000);

  afterAll(async () => {
    conn?.close();
    if (first) {
      const c = await connectSocket(first.socketPath).catch(() => null);
      if (c) {
        for (const r of await allPages<RunDto>(c, 'runs.list').catch(() => [])) ourRuns.add(r.id);
        c.close();
      }
      await first.stop();
    }
    killByCookie(ourRuns);
    if (data) rmSync(`${data.dir}-link`, { force: true });
    data?.cleanup();
  }, 120_000);

  it("is refused, naming the owner's pid, and the first host keeps working with its data intact", async () => {
    const c = conn!;
    const dir = data!.dir;
    await mustCall(c, 'agents.create', { name: 'steady', adapterType: 'process', command: 'sleep 120' });
    await mustCall(c, 'agents.create', { name: 'quick', adapterType: 'process', command: 'echo quick run done' });
    const busy = await mustCall<IssueDto>(c, 'issues.create', { title: 'a long run', assignee: 'steady' });
    for (let i = 0; i < 4; i++) {
      const issue = await mustCall<IssueDto>(c, 'issues.create', { title: `issue ${i}`, body: `body ${i}` });
      for (let k = 0; k < 3; k++) await mustCall(c, 'issues.comment', { issue: issue.identifier, body: `comment ${i}.${k}` });
    }
    const steady = await waitRun(c, { issue: busy.identifier }, (r) => r.status === 'running', 60_000, 'the steady run');
    ourRuns.add(steady.id);
    const steadyStart = readStartIdentity(steady.processPid!);
    expect(steadyStart).toBe(steady.processStartId);

    const before = await snapshot(c);
    const lockPath = join(dir, 'vigil.lock');
    const lockBefore = readFileSync(lockPath, 'utf8');
    const socketIno = lstatSync(first!.socketPath).ino;
    expect(JSON.parse(lockBefore).pid).toBe(first!.pid);

    const link = `${dir}-link`;
    symlinkSync(dir, link);
    const attempts: Attempt[] = [];
    attempts.push(await attempt('same path', dir));
    attempts.push(await attempt('through a symlink', link));
    attempts.push(await attempt('spelled with ./ and a trailing slash', `${dir}/./`));
    attempts.push(...(await Promise.all([1, 2, 3].map((n) => attempt(`concurrent #${n}`, dir)))));
    if (inject('pgUrl')) attempts.push(await attempt('with DATABASE_URL set', dir, { DATABASE_URL: await freshPgDatabase() }));

    const lines = attempts.map((a) => `  ${a.label.padEnd(38)} exit ${a.code ?? a.signal} in ${a.ms} ms: ${a.stderr.trim().split('\n').pop()}`);
    console.log(`[second host] first host pid ${first!.pid}; ${attempts.length} second hosts:\n${lines.join('\n')}`);
    for (const a of attempts) {
      expect(a.signal, `${a.label}: exited by itself`).toBeNull();
      expect(a.code, `${a.label}: exit code`).not.toBe(0);
      expect(a.stderr, `${a.label}: names the owner`).toContain(`pid ${first!.pid}`);
      expect(a.stdout, `${a.label}: never ready`).not.toContain('Vigil ready:');
    }

    // The owner's lock, socket and live run are untouched; it never exited.
    expect(first!.proc.exitCode).toBeNull();
    expect(readFileSync(lockPath, 'utf8')).toBe(lockBefore);
    expect(lstatSync(first!.socketPath).ino).toBe(socketIno);
    expect(pidAlive(steady.processPid!) && stillAlive({ pid: steady.processPid!, startId: steady.processStartId! })).toBe(true);
    const steadyNow = await mustCall<RunDto>(c, 'runs.get', { run: steady.id });
    expect(steadyNow).toMatchObject({ status: 'running', processPid: steady.processPid, errorCode: null });

    // Data intact: the same rows, on the old connection and on a new one.
    expect(await snapshot(c)).toEqual(before);
    const fresh = await connectSocket(first!.socketPath);
    expect(await snapshot(fresh)).toEqual(before);

    // And it keeps working: new rows, a new run that succeeds.
    const added = await mustCall<IssueDto>(fresh, 'issues.create', { title: 'after the attempts', assignee: 'quick' });
    await mustCall(fresh, 'issues.comment', { issue: added.identifier, body: 'still here' });
    const quick = await waitRun(fresh, { issue: added.identifier }, () => true, 60_000, 'the quick run');
    ourRuns.add(quick.id);
    expect((await waitEnded(fresh, quick.id, 60_000)).status).toBe('succeeded');
    const after = await snapshot(fresh);
    expect(after.issues.length).toBe(before.issues.length + 1);
    expect(after.comments.length).toBeGreaterThanOrEqual(before.comments.length + 1);
    expect(after.comments).toEqual(expect.arrayContaining(before.comments));
    expect(after.issues).toEqual(expect.arrayContaining(before.issues));
    fresh.close();
    const total = (await runsOf(c, {})).length;
    console.log(`[second host] refused ${attempts.length}/${attempts.length}; data before/after: ${before.issues.length}/${after.issues.length} issues, ${before.comments.length}/${after.comments.length} comments, ${before.runs.length}/${total} runs; the owner's live run kept running`);
  }, 900_000);

  it('lets exactly one of several hosts started at once on an empty folder win; the others name it', async () => {
    const race = tempDataDir('vigil-race-');
    const started: Served[] = [];
    try {
      const outcomes = await Promise.allSettled([1, 2, 3].map(() => startServe({ dataDir: race.dir })));
      for (const o of outcomes) if (o.status === 'fulfilled') started.push(o.value);
      const refusals = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => String((o.reason as Error).message));
      console.log(`[second host] 3 hosts started at once on an empty folder: ${started.length} ready, ${refusals.length} refused (${refusals.map((r) => /pid \d+/.exec(r)?.[0] ?? r.slice(0, 200)).join(', ')})`);
      expect(started).toHaveLength(1);
      expect(refusals).toHaveLength(2);
      for (const r of refusals) expect(r).toContain(`pid ${started[0].pid}`);
      const c = await connectSocket(started[0].socketPath);
      await mustCall(c, 'issues.create', { title: 'the winner works' });
      expect((await allPages<IssueDto>(c, 'issues.list')).map((i) => i.title)).toEqual(['the winner works']);
      c.close();
    } finally {
      for (const s of started) await s.stop();
      race.cleanup();
    }
  }, READY_TIMEOUT_MS * 2);
});
