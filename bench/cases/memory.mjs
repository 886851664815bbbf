// host_rss_first_start_mb: the peak summed RSS of every Vigil process (the host, the pty host
// and any database child below it) from a host's start on an EMPTY folder (as shipped: the
// database template unpacked, or initdb without one; migrations) until it has closed, each time
// in a fresh process.
// host_rss_idle_mb: the same tree's RSS on an initialized folder (migrated, no runs), nothing
// running, once start-up has settled (its backup verified and V8's memory reducer's one pass
// after start-up done, bench/lib/settle.mjs: before it, the heap start-up grew is still held). The 100,000-run folder's idle RSS is
// a note: PGlite's buffer pool fills as queries read it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIR, freshDataDir, log, median, metric, QUICK, round, runCase, sleep, tempDir, treeRss } from '../lib/common.mjs';
import { historyDataDir } from '../lib/history-db.mjs';

const REPS = QUICK ? 1 : 3;
const IDLE_MS = QUICK ? 2500 : 5000;

/** Starts memory-child.mjs on dataDir; samples its process tree until it exits. */
function hostLife(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(BENCH_DIR, 'lib', 'memory-child.mjs'), dataDir, String(IDLE_MS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const rss = treeRss(child.pid, { everyMs: 10 });
    const said = {};
    const idle = [];
    let idleTimer = null;
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const lines = out.split('\n');
      out = lines.pop();
      for (const line of lines) Object.assign(said, JSON.parse(line));
      // Idle: from a second after the start-up backup was verified until close begins.
      if (said.settled !== undefined && !idleTimer && !said.closing) {
        idleTimer = setTimeout(function tick() {
          idle.push(rss.sample());
          if (!said.closing) idleTimer = setTimeout(tick, 100);
        }, 1000);
      }
      if (said.closing && idleTimer) clearTimeout(idleTimer);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(idleTimer);
      const r = rss.stop();
      if (code !== 0) return reject(new Error(`memory-child exited with ${code}`));
      resolve({ peakMB: r.peakMB, peakProcs: r.peakProcs, idleMB: median(idle), readyMs: said.ready, settledMs: said.settled, verified: said.verified, samples: r.samples });
    });
  });
}

runCase('memory', async () => {
  const first = [];
  const idle = [];
  const history = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const empty = tempDir('vigil-bench-empty-');
    const f = await hostLife(empty);
    log(`rep ${rep} first start (empty folder): peak ${f.peakMB.toFixed(0)} MB over ${f.peakProcs} process(es), ready in ${f.readyMs.toFixed(0)} ms`);
    first.push(f);
    const i = await hostLife(await freshDataDir());
    log(`rep ${rep} initialized folder: idle ${i.idleMB.toFixed(0)} MB (start-up peak ${i.peakMB.toFixed(0)} MB)`);
    idle.push(i);
    await sleep(100);
  }
  const h = await hostLife(await historyDataDir());
  log(`100,000-run folder: idle ${h.idleMB.toFixed(0)} MB (start-up peak ${h.peakMB.toFixed(0)} MB, ready in ${h.readyMs.toFixed(0)} ms)`);
  history.push(h);
  const peak = median(first.map((r) => r.peakMB));
  const idleMB = median(idle.map((r) => r.idleMB));
  return {
    notes: [
      `memory: first start on an empty folder peaks at ${round(peak, 0)} MB summed over the host and its helper processes (the pty host; initdb only without the template); idle on an initialized folder ${round(idleMB, 0)} MB; on the 100,000-run folder idle ${round(h.idleMB, 0)} MB and start-up peak ${round(h.peakMB, 0)} MB`,
    ],
    metrics: [
      metric('host_rss_idle_mb', {
        value: round(idleMB, 0),
        unit: 'MB',
        target: 200,
        ok: idleMB <= 200,
        detail: `RSS of the host and its helper processes, initialized folder, nothing running (median of ${REPS}); 100,000 runs: ${round(h.idleMB, 0)} MB`,
      }),
      metric('host_rss_first_start_mb', {
        value: round(peak, 0),
        unit: 'MB',
        target: 300,
        ok: peak <= 300,
        detail: `peak summed RSS of every Vigil process, empty folder -> ready -> start-up backup -> closed (median of ${REPS})`,
      }),
    ],
    raw: { first, idle, history },
  };
});
