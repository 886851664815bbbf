// recovery_1000_ms: start-up recovery (reapOrphanedRuns + reconcileStrandedAssignedIssues, as
// startHost runs them) over 1,000 runs a dead host left `running`, whose pids are dead.
// reap_100_groups_ms: the same recovery when 100 of those runs left a live process group behind
// (a detached `sleep` whose group leader, the recorded pid, exited): all found and killed. The
// leftovers carry their run's cookie (VIGIL_RUN_ID), as an agent's children do: a group whose
// leader is gone is Vigil's only when one of its members carries it (issue 11: a number alone,
// which the kernel reuses, proves nothing).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import {
  freshDataDir,
  longestStall,
  log,
  median,
  metric,
  now,
  onCleanup,
  pgliteOf,
  profiled,
  QUICK,
  round,
  runCase,
  sleep,
  startBenchHost,
  wallNow,
  whenAllGone,
} from '../lib/common.mjs';
import { seedAgents, seedStaleRuns } from '../lib/seed.mjs';

const REPS = QUICK ? 1 : 3;
const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const startIdOf = (pid) => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return `${bootId}:${text.slice(text.lastIndexOf(')') + 2).split(' ')[19]}`;
};
const alive = (pid) => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZXx]$/.test(text.slice(text.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
};

/** Pids that are free right now, with an identity no live process has: as a crash leaves them. */
function deadPids(n) {
  const taken = new Set(readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number));
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const out = [];
  for (let pid = Math.floor(max / 2); out.length < n && pid < max; pid += 7) {
    if (!taken.has(pid)) out.push({ pid, pgid: pid, startId: `${bootId}:1` });
  }
  if (out.length < n) throw new Error('not enough free pids');
  return out;
}

/** A detached group whose leader (the recorded pid) exited, leaving `sleep` alive in it. */
async function orphanedGroup() {
  const runId = randomUUID();
  const leader = spawn('/bin/sh', ['-c', 'sleep 600 & read _'], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { ...process.env, VIGIL_RUN_ID: runId },
  });
  await new Promise((resolve, reject) => {
    leader.once('spawn', resolve);
    leader.once('error', reject);
  });
  const pgid = leader.pid;
  onCleanup(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {}
  });
  // The leader's identity is what Vigil recorded when the run started.
  let startId = null;
  let sleeper = null;
  for (let i = 0; i < 200 && !sleeper; i++) {
    startId ??= startIdOf(pgid);
    sleeper = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .find((pid) => {
        try {
          const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
          return Number(f[1]) === pgid && Number(f[2]) === pgid;
        } catch {
          return false;
        }
      });
    if (!sleeper) await sleep(5);
  }
  if (!sleeper) throw new Error('the orphaned group has no sleep in it');
  const exited = new Promise((resolve) => leader.once('exit', resolve));
  leader.stdin.end('\n');
  await exited;
  return { pid: pgid, pgid, startId, sleeper, runId };
}

async function scenario({ stale, groups }) {
  const dataDir = await freshDataDir();
  const { host, close } = await startBenchHost({ dataDir, recoverOnStart: false, startScheduler: false });
  const db = pgliteOf(host);
  const { workspaceId, hostId } = host.ctx;
  const agentIds = await seedAgents(db, { workspaceId, n: 50, prefix: 'crashed', status: 'running' });
  const live = [];
  for (let i = 0; i < groups; i++) live.push(await orphanedGroup());
  const runs = [...live, ...deadPids(stale - groups)];
  const runIds = await seedStaleRuns(db, { workspaceId, hostId, agentIds, runs });
  // When the last orphaned process is gone: watched from a worker thread, because recovery's
  // database work does not let this thread's event loop turn (see stallMs).
  const gone = groups ? whenAllGone(live.map((g) => g.sleeper)) : null;
  const wall0 = wallNow();
  const t0 = now();
  const { value: result, stallMs } = await profiled(`recovery-${stale}-${groups}`, () =>
    longestStall(async () => ({
      reaped: await host.recovery.reapOrphanedRuns(),
      stranded: await host.recovery.reconcileStrandedAssignedIssues(),
    })),
  );
  const ms = now() - t0;
  const { reaped, stranded } = result;
  const killedMs = gone ? (await gone) - wall0 : null;
  const survivors = live.filter((g) => alive(g.sleeper)).length;
  const [{ n: retries }] = (await db.query(`select count(*)::int as n from heartbeat_runs where status = 'queued' and retry_of_run_id is not null`)).rows;
  const [{ n: still }] = (await db.query(`select count(*)::int as n from heartbeat_runs where status = 'running'`)).rows;
  await close();
  const ok = reaped.reaped === runIds.length && still === 0 && retries === runIds.length && survivors === 0 && reaped.terminatedProcesses >= groups;
  log(
    `${stale} stale runs (${groups} with a live group): ${ms.toFixed(0)} ms; reaped ${reaped.reaped}, retries queued ${retries}, ` +
      `processes stopped ${reaped.terminatedProcesses}${killedMs === null ? '' : ` (all gone ${killedMs.toFixed(0)} ms in)`}, survivors ${survivors}, ` +
      `event loop stalled up to ${stallMs.toFixed(0)} ms, stranded dispatched ${stranded.dispatchRequeued + stranded.continuationRequeued}${ok ? '' : ' -- NOT AS EXPECTED'}`,
  );
  return { ms, killedMs, stallMs, ok, reaped: reaped.reaped, retries, terminated: reaped.terminatedProcesses, survivors };
}

runCase('recovery', async () => {
  const dead = [];
  const groups = [];
  for (let rep = 0; rep < REPS; rep++) {
    dead.push(await scenario({ stale: 1000, groups: 0 }));
    groups.push(await scenario({ stale: 100, groups: 100 }));
  }
  const d = median(dead.map((r) => r.ms));
  const g = median(groups.map((r) => r.ms));
  const killed = median(groups.map((r) => r.killedMs));
  const stall = Math.max(...dead.map((r) => r.stallMs));
  const dOk = dead.every((r) => r.ok);
  const gOk = groups.every((r) => r.ok);
  return {
    notes: [
      `recovery: 1,000 lost runs ${round(d, 0)} ms = ${round(d / 1000, 1)} ms per run, during which the event loop did not turn for up to ${round(stall, 0)} ms; 100 live orphaned groups: every process gone ${round(killed, 0)} ms in, the rest of the ${round(g, 0)} ms is failing and retrying the 100 runs`,
    ],
    metrics: [
      metric('recovery_1000_ms', {
        value: round(d, 0),
        unit: 'ms',
        target: 1000,
        ok: d <= 1000 && stall <= 50 && dOk,
        detail: `1,000 running runs with dead pids -> failed + 1,000 retries queued (median of ${REPS}); event loop stalled up to ${round(stall, 0)} ms (target <= 50)${dOk ? '' : '; OUTCOME WRONG'}`,
      }),
      metric('reap_100_groups_ms', {
        value: round(g, 0),
        unit: 'ms',
        target: 3000,
        ok: g <= 3000 && gOk,
        detail: `100 orphaned live process groups found and killed, runs failed + retried (median of ${REPS})${gOk ? '' : '; OUTCOME WRONG'}`,
      }),
    ],
    raw: { dead, groups },
  };
});
