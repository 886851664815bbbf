#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only=capture,spawn]`: Vigil's benchmarks against the built
// product (out/main/host.js, built first when missing or stale), each case in a process of its
// own. Prints a table, writes bench/results/latest.json, and ends with one JSON line per metric.
// Nothing here asserts: a missed target is reported, not failed. See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, machine, QUICK, RESULTS_DIR } from './lib/common.mjs';
import { ensureBuilt } from './lib/build.mjs';

const CASES = [
  { name: 'cli', file: 'cli.mjs', quickLimitS: 120 },
  { name: 'spawn', file: 'spawn.mjs', quickLimitS: 60 },
  { name: 'capture', file: 'capture.mjs', quickLimitS: 120 },
  { name: 'log-tail', file: 'log-tail.mjs', quickLimitS: 60 },
  { name: 'event-loop', file: 'event-loop.mjs', quickLimitS: 90 },
  { name: 'store', file: 'store.mjs', quickLimitS: 150 },
  { name: 'recovery', file: 'recovery.mjs', quickLimitS: 150 },
  { name: 'memory', file: 'memory.mjs', quickLimitS: 150 },
  { name: 'idle', file: 'idle.mjs', quickLimitS: 120 },
  { name: 'agents', file: 'agents.mjs', quickLimitS: 180 },
];
// How each target reads, for the table (a metric's own `cmp` wins).
const TARGET_TEXT = { ratio: '>=', ms: '<=', bytes: '=', MB: '<=' };

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const selected = only ? CASES.filter((c) => only.includes(c.name)) : CASES;
if (only && selected.length !== only.length) {
  console.error(`unknown case in --only (cases: ${CASES.map((c) => c.name).join(', ')})`);
  process.exit(2);
}

function runOne(c) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-result-'));
  const resultFile = join(dir, 'result.json');
  const limitMs = (QUICK ? c.quickLimitS : c.quickLimitS * 8) * 1000;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(BENCH_DIR, 'cases', c.file), ...(QUICK ? ['--quick'] : [])], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, BENCH_RESULT_FILE: resultFile },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM'); // the case stops what it started on SIGTERM
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, limitMs);
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      let result;
      try {
        result = JSON.parse(readFileSync(resultFile, 'utf8'));
      } catch {
        result = { name: c.name, ok: false, metrics: [], error: timedOut ? `timed out after ${limitMs / 1000} s` : `exited with ${signal ?? code}` };
      }
      rmSync(dir, { recursive: true, force: true });
      result.seconds = (Date.now() - started) / 1000;
      resolve(result);
    });
  });
}

const fmt = (v) => (v === null || v === undefined ? '-' : typeof v === 'number' ? String(v) : String(v));
function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const startedAt = new Date();
const loadBefore = loadavg();
process.stderr.write(`Vigil benchmarks${QUICK ? ' (--quick)' : ''}: ${selected.map((c) => c.name).join(', ')}\n`);
if (process.env.BENCH_HOST_BUNDLE) process.stderr.write(`measuring ${process.env.BENCH_HOST_BUNDLE} (BENCH_HOST_BUNDLE), not out/\n`);
else ensureBuilt();
const results = [];
for (const c of selected) {
  process.stderr.write(`\n[${c.name}]\n`);
  const r = await runOne(c);
  process.stderr.write(`  (${r.seconds.toFixed(1)} s${r.ok ? '' : `, FAILED: ${(r.error ?? '').split('\n')[0]}`})\n`);
  results.push(r);
}
const loadAfter = loadavg();
const m = machine();
// Ratios whose baseline was measured in this same run lead: they survive a noisy machine best.
const sameRun = (x) => x.baseline !== null && x.baseline !== undefined;
const metrics = results.flatMap((r) => r.metrics).sort((a, b) => Number(sameRun(b)) - Number(sameRun(a)));
const totalSeconds = results.reduce((n, r) => n + r.seconds, 0);

const out = [];
out.push('');
out.push(`Vigil benchmarks${QUICK ? ' (quick)' : ''}, ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${totalSeconds.toFixed(0)} s`);
out.push(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, Node ${m.node}`);
out.push(
  `load average ${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after: the cores are shared, so figures are noisy; each is the median of repeated measurements`,
);
out.push('');
out.push(
  table(
    metrics.map((x) => [
      x.metric,
      fmt(x.value),
      x.unit,
      fmt(x.baseline),
      fmt(x.ratio),
      `${x.cmp ?? TARGET_TEXT[x.unit] ?? '<='} ${x.target}`,
      x.ok ? 'ok' : 'MISSED',
      x.detail ?? '',
    ]),
    ['metric', 'value', 'unit', 'baseline', 'ratio', 'target', '', 'what was measured'],
  ),
);
const notes = results.flatMap((r) => r.notes ?? []);
if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
const failed = results.filter((r) => !r.ok);
if (failed.length) out.push('', ...failed.map((r) => `! ${r.name} did not complete: ${(r.error ?? '').split('\n')[0]}`));
out.push(
  '',
  'Rows with a baseline come first: their baseline was measured in this same run, on the same cores.',
  'baseline: pty_capture_ratio = bare node-pty MB/s; pty_cpu_ratio = bare node-pty CPU ms per MB (Vigil = every Vigil process, not the agent);',
  'pm2_capture_ratio = PM2 MB/s (ratio = Vigil / PM2: >= 1 means Vigil is as fast or faster); spawn_overhead_ms = bare node-pty spawn ms;',
  'event_loop_p99_ms = bare node-pty reading the same agents. Details per case: bench/results/latest.json.',
  '',
);
process.stdout.write(`${out.join('\n')}\n`);

mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(
  join(RESULTS_DIR, 'latest.json'),
  `${JSON.stringify({ quick: QUICK, startedAt: startedAt.toISOString(), seconds: totalSeconds, machine: m, loadBefore, loadAfter, metrics, notes, cases: results }, null, 2)}\n`,
);
for (const x of metrics) {
  process.stdout.write(`${JSON.stringify({ metric: x.metric, value: x.value, unit: x.unit, baseline: x.baseline, ratio: x.ratio, target: x.target, ok: x.ok })}\n`);
}
process.exit(0);
