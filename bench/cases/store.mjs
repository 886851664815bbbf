// cold_start_ms: startHost (defaults: recovery and scheduler on) until it resolves, on an
// existing PGlite folder holding 100,000 runs, each time in a fresh process (as the app starts:
// PGlite's WebAssembly is compiled, nothing is cached; the start-up backup begins right after).
// runs_page_ms: the first page of runs.list (default page size, no filter) on that folder, with
// no start-up backup running; the first call after start-up (backup running) is shown too.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { historyDataDir, HISTORY } from '../lib/history-db.mjs';
import { BENCH_DIR, log, median, metric, QUICK, round, runCase } from '../lib/common.mjs';

const REPS = QUICK ? 3 : 5;
const PAGES = QUICK ? 10 : 40;

runCase('store', async () => {
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) {
    const dataDir = await historyDataDir();
    const out = execFileSync(process.execPath, [join(BENCH_DIR, 'lib', 'cold-child.mjs'), dataDir, String(PAGES)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1));
    if (r.items !== 50 || r.total !== HISTORY.runs) throw new Error(`runs.list gave ${r.items} items of ${r.total}`);
    log(
      `rep ${rep + 1}: startHost ${r.startMs.toFixed(0)} ms (bundle import ${r.importMs.toFixed(0)} ms before it); ` +
        `runs.list first call ${r.firstPageMs.toFixed(1)} ms (start-up backup running), close ${r.closeMs.toFixed(0)} ms (waits for it); ` +
        `then runs.list median ${median(r.pageMs).toFixed(1)} ms`,
    );
    runs.push(r);
  }
  const s = median(runs.map((r) => r.startMs));
  const p = median(runs.flatMap((r) => r.pageMs));
  const firstPage = median(runs.map((r) => r.firstPageMs));
  return {
    notes: [
      `cold start: bundle import ${round(median(runs.map((r) => r.importMs)), 0)} ms, then startHost ${round(s, 0)} ms (median, fresh process each time)`,
      `runs.list first page: first call after start-up ${round(firstPage, 1)} ms (while the start-up backup runs); repeated calls ${round(p, 1)} ms (medians, no backup running)`,
      `start-up backup of the 100,000-run folder: close() right after start-up waited ${round(median(runs.map((r) => r.closeMs)), 0)} ms for it`,
    ],
    metrics: [
      metric('cold_start_ms', {
        value: round(s, 0),
        unit: 'ms',
        target: 1500,
        ok: s <= 1500,
        detail: `startHost in a fresh process on a PGlite folder with ${HISTORY.runs.toLocaleString('en')} runs (median of ${REPS})`,
      }),
      metric('runs_page_ms', {
        value: round(p, 1),
        unit: 'ms',
        target: 20,
        ok: p <= 20,
        detail: `runs.list first page (50 of ${HISTORY.runs.toLocaleString('en')}), median of ${PAGES * REPS} calls; first call after start-up ${round(firstPage, 1)} ms`,
      }),
    ],
    raw: runs,
  };
});
