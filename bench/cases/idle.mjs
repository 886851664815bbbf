// idle_cpu_pct: the CPU an idle host uses (no runs, no agents, nothing watching), from
// /proc/<pid>/stat (utime + stime, in 1/100 s ticks) of the host process and every process
// below it (the pty host), over a window of 5 minutes (quick: 45 s) that starts 2 s after the
// host settled: its start-up backup verified and V8's memory reducer's one pass after start-up
// done (bench/lib/settle.mjs; the idle child says how long that took). Also ticks a minute and wakeups a minute (context switches of
// every thread, /proc/<pid>/task/<tid>/status), which count timers that fire even when each
// costs less than a tick. The host runs as `vigil serve` starts it, sweeps at shipped intervals.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, descendants, freshDataDir, log, metric, onCleanup, procStat, QUICK, round, runCase, sleep } from '../lib/common.mjs';

const WINDOW_MS = QUICK ? 45_000 : 300_000;
const TARGET_PCT = 0.05;
const SETTLE_MS = 2_000;

/** Ticks (utime + stime) and context switches of one process, all its threads. */
function usage(pid) {
  const s = procStat(pid);
  if (!s) return null;
  let switches = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      switches += Number(text.match(/^voluntary_ctxt_switches:\s+(\d+)/m)?.[1] ?? 0) + Number(text.match(/^nonvoluntary_ctxt_switches:\s+(\d+)/m)?.[1] ?? 0);
    }
  } catch {}
  return { ticks: Math.round(s.cpuMs / 10), switches };
}

function treeUsage(rootPid) {
  const out = new Map();
  for (const pid of [rootPid, ...descendants(rootPid).map((p) => p.pid)]) {
    const u = usage(pid);
    if (u) out.set(pid, u);
  }
  return out;
}

runCase('idle', async () => {
  const dataDir = await freshDataDir();
  const child = spawn(process.execPath, [join(BENCH_DIR, 'lib', 'idle-child.mjs'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  onCleanup(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  });
  const settled = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.includes('"settled"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`idle-child exited with ${code}`)));
  });
  const reducer = settled.memoryReducer;
  log(`start-up backup verified; V8's memory reducer ${reducer.capped ? `not seen (${reducer.reducerGcs} GC(s)), waited the cap` : `made ${reducer.reducerGcs} GC(s)`} ${reducer.waitedMs} ms after it`);
  await sleep(SETTLE_MS);
  const before = treeUsage(child.pid);
  log(`host settled (pid ${child.pid}, ${before.size} process(es)); measuring ${WINDOW_MS / 1000} s of idle...`);
  await sleep(WINDOW_MS);
  const after = treeUsage(child.pid);
  const per = [];
  for (const [pid, a] of after) {
    const b = before.get(pid) ?? { ticks: 0, switches: 0 };
    per.push({ pid, ticks: a.ticks - b.ticks, switches: a.switches - b.switches, host: pid === child.pid });
  }
  const minutes = WINDOW_MS / 60_000;
  const ticks = per.reduce((n, p) => n + p.ticks, 0);
  const switches = per.reduce((n, p) => n + p.switches, 0);
  const pct = (ticks / 100 / (WINDOW_MS / 1000)) * 100;
  const host = per.find((p) => p.host) ?? { ticks: 0, switches: 0 };
  log(`idle: ${ticks} ticks (${round(ticks / minutes, 1)}/min, ${round(pct, 3)}% of a core); host ${host.ticks} ticks, ${round(host.switches / minutes, 0)} wakeups/min; all processes ${round(switches / minutes, 0)} wakeups/min`);
  return {
    notes: [
      `idle: ${WINDOW_MS / 1000} s window, ${per.length} process(es) (host + pty host): ${ticks} CPU ticks of 10 ms = ${round(ticks / minutes, 1)} ticks/min, ${round(pct, 3)}% of a core; ${round(switches / minutes, 0)} context switches/min in all (host ${round(host.switches / minutes, 0)})`,
    ],
    metrics: [
      metric('idle_cpu_pct', {
        value: round(pct, 3),
        unit: '%',
        cmp: '<=',
        target: TARGET_PCT,
        ok: pct <= TARGET_PCT,
        detail: `CPU of the idle host and pty host over ${WINDOW_MS / 1000} s, /proc/<pid>/stat`,
      }),
      metric('idle_ticks_per_min', {
        value: round(ticks / minutes, 1),
        unit: 'ticks',
        cmp: '<=',
        target: 3,
        ok: ticks / minutes <= 3,
        detail: 'utime+stime ticks (1/100 s) a minute, host + pty host (0.05% of a core = 3)',
      }),
      metric('idle_wakeups_per_min', {
        value: round(switches / minutes, 0),
        unit: 'switches',
        cmp: 'info',
        target: '-',
        ok: true,
        detail: 'context switches a minute, every thread of host + pty host (timers that fire show here first)',
      }),
    ],
    raw: { windowMs: WINDOW_MS, per, memoryReducer: reducer },
  };
});
