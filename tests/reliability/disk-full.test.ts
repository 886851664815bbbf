// Faults: the disk fills up while a run writes its log. The run must fail with log_write_failed
// and an error that says so, the host must keep going (status answers, the process never
// exits), and once there is room again a run of another agent succeeds without a restart.
// Two ways to fill the disk: a real small tmpfs mounted as the data folder's logs/ (root only),
// and an injected write error (the run's log file is /dev/full), which runs everywhere.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetailDto, WakeResultDto } from '../../src/shared/contract';
import { killByCookie } from '../fixtures/reliability/procs';
import { runLog, waitEnded, waitRun } from '../fixtures/reliability/runs';
import { allPages, connectSocket, mustCall, type WireConn } from '../fixtures/reliability/wire';
import { DEV_FULL, mountSmallFs, type SmallFs } from '../helpers/small-fs';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, type Served } from '../helpers/serve';

const FS_BYTES = 1 << 20;
const FREE_BYTES = 128 << 10;
/** Prints about 3 MB fast, then lingers: only the write failure should end it early. */
const HOG = "yes 'the disk is filling up with this line of a run log' | head -c 3000000; sleep 20";
const CALM = "echo 'calm run output'";

let served: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let small: SmallFs | null = null;
let conn: WireConn | null = null;

async function cleanupAll(): Promise<void> {
  const runs = new Set<string>();
  if (conn) {
    for (const r of await allPages<{ id: string }>(conn, 'runs.list').catch(() => [])) runs.add(r.id);
    conn.close();
    conn = null;
  }
  await served?.stop();
  served = null;
  killByCookie(runs);
  if (small) {
    try {
      small.unmount();
    } catch (err) {
      console.warn(`[disk full] could not unmount ${small.dir}: ${(err as Error).message}`);
    }
    small = null;
  }
  data?.cleanup();
  data = null;
}

async function wakeRun(c: WireConn, agent: string): Promise<string> {
  const wake = await mustCall<WakeResultDto>(c, 'agents.wake', { agent, reason: 'disk full test' });
  expect(wake.runId, `${agent} woke into a run`).toBeTruthy();
  return wake.runId!;
}

function expectLogWriteFailed(run: RunDetailDto, label: string): void {
  expect(run.status, `${label}: status`).toBe('failed');
  expect(run.errorCode, `${label}: errorCode`).toBe('log_write_failed');
  expect(run.error, `${label}: a clear error`).toMatch(/could not write the run log/i);
  expect(run.error, `${label}: says the disk is full`).toMatch(/disk is full|ENOSPC/);
  expect(run.errorExplanation).toMatch(/disk full/);
}

async function hostAnswers(c: WireConn): Promise<void> {
  expect(served!.proc.exitCode).toBeNull();
  expect((await mustCall<{ pid: number }>(c, 'host.status', {})).pid).toBe(served!.pid);
  // And on a connection opened now.
  const fresh = await connectSocket(served!.socketPath);
  expect((await fresh.call('host.status', {}))?.ok).toBe(true);
  fresh.close();
}

describe('disk full while writing a run log', () => {
  beforeAll(() => ensureBuilt(), 600_000);
  afterEach(cleanupAll, 120_000);

  it('on a real full filesystem (a small tmpfs as logs/): the run fails clearly, the host goes on', async (ctx) => {
    small = mountSmallFs(FS_BYTES);
    if (!small) {
      console.warn('[disk full] mounting a small tmpfs is not permitted here: only the injected-error variant runs');
      ctx.skip();
      return;
    }
    data = tempDataDir('vigil-diskfull-');
    symlinkSync(small.dir, join(data.dir, 'logs'));
    const filler = join(small.dir, 'filler');
    writeFileSync(filler, Buffer.alloc(FS_BYTES - FREE_BYTES, 1));
    served = await startServe({ dataDir: data.dir });
    conn = await connectSocket(served.socketPath);
    await mustCall(conn, 'agents.create', { name: 'hog', adapterType: 'process', command: HOG });
    await mustCall(conn, 'agents.create', { name: 'calm', adapterType: 'process', command: CALM });

    const started = Date.now();
    const hogId = await wakeRun(conn, 'hog');
    const hog = await waitEnded(conn, hogId, 60_000);
    const hogMs = Date.now() - started;
    expectLogWriteFailed(hog, 'hog');
    // Stopped by the failure, not by its own end (it lingers 20 s).
    expect(hogMs).toBeLessThan(15_000);
    // The log holds what fit, and its recorded size and sha256 are those of the file.
    const file = readFileSync(join(small.dir, `${hogId}.log`));
    expect(file.length).toBeGreaterThan(0);
    expect(file.length).toBeLessThanOrEqual(FREE_BYTES);
    expect(hog.logBytes).toBe(file.length);
    expect(hog.logSha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect((await runLog(conn, hogId)).equals(file)).toBe(true);
    await hostAnswers(conn);

    // Still full: a run of another agent fails the same clear way (its log cannot take a byte).
    const whileFull = await waitEnded(conn, await wakeRun(conn, 'calm'), 60_000);
    expectLogWriteFailed(whileFull, 'calm while the disk is full');
    await hostAnswers(conn);

    // Room again (the user freed space): the next run succeeds, no restart needed.
    rmSync(filler);
    const after = await waitEnded(conn, await wakeRun(conn, 'calm'), 60_000);
    expect(after).toMatchObject({ status: 'succeeded', errorCode: null });
    expect((await runLog(conn, after.id)).toString()).toContain('calm run output');
    await hostAnswers(conn);
    const stderr = served.output().stderr.trim();
    console.log(
      `[disk full] tmpfs ${FS_BYTES >> 10} KiB with ${FREE_BYTES >> 10} KiB free: hog failed (${hog.errorCode}) after ${hogMs} ms with ${hog.logBytes} bytes logged: "${hog.error}"; ` +
        `calm while full: ${whileFull.errorCode}; calm after freeing: ${after.status}; host up (pid ${served.pid})${stderr ? `; serve stderr: ${stderr.slice(-500)}` : ''}`,
    );
    const exit = await served.stop();
    expect(exit.code).toBe(0);
  }, READY_TIMEOUT_MS + 300_000);

  it('on an injected write error (the log file is /dev/full): the run fails clearly, the host goes on', async () => {
    data = tempDataDir('vigil-devfull-');
    // One run at a time: the victim waits queued behind a blocker, so its log file can be planted first.
    served = await startServe({ dataDir: data.dir, args: ['--max-concurrent', '1'] });
    conn = await connectSocket(served.socketPath);
    await mustCall(conn, 'agents.create', { name: 'blocker', adapterType: 'process', command: 'sleep 60' });
    await mustCall(conn, 'agents.create', { name: 'victim', adapterType: 'process', command: "for i in 1 2 3 4 5; do echo 'victim output line'; sleep 0.2; done; sleep 20" });
    await mustCall(conn, 'agents.create', { name: 'calm', adapterType: 'process', command: CALM });
    const blocker = await wakeRun(conn, 'blocker');
    await waitRun(conn, { agent: 'blocker' }, (r) => r.id === blocker && r.status === 'running', 60_000, 'the blocker to run');
    const victimId = await wakeRun(conn, 'victim');
    expect((await mustCall<RunDetailDto>(conn, 'runs.get', { run: victimId })).status).toBe('queued');
    mkdirSync(join(data.dir, 'logs'), { recursive: true });
    symlinkSync(DEV_FULL, join(data.dir, 'logs', `${victimId}.log`));
    expect(statSync(join(data.dir, 'logs', `${victimId}.log`)).isCharacterDevice()).toBe(true);
    await mustCall(conn, 'runs.cancel', { run: blocker });

    const victim = await waitEnded(conn, victimId, 60_000);
    expectLogWriteFailed(victim, 'victim');
    await hostAnswers(conn);
    // Another agent's run succeeds right after.
    const calm = await waitEnded(conn, await wakeRun(conn, 'calm'), 60_000);
    expect(calm).toMatchObject({ status: 'succeeded', errorCode: null });
    expect((await runLog(conn, calm.id)).toString()).toContain('calm run output');
    await hostAnswers(conn);
    console.log(`[disk full] injected ENOSPC (/dev/full): victim failed (${victim.errorCode}): "${victim.error}"; next run of another agent: ${calm.status}`);
    const exit = await served.stop();
    expect(exit.code).toBe(0);
  }, READY_TIMEOUT_MS + 300_000);
});
