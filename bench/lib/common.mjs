// Shared pieces of the benchmarks: where things live, statistics, temp folders that are always
// removed, a host on a fresh PGlite folder (the built bundle, out/main/host.js), run waiters.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');
export const CACHE_DIR = join(BENCH_DIR, '.cache');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const QUICK = process.argv.includes('--quick');
export const KiB = 1 << 10;
export const MiB = 1 << 20;
export const MB = 1_000_000;
mkdirSync(CACHE_DIR, { recursive: true });

export const now = () => performance.now();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function log(...parts) {
  process.stderr.write(`  ${parts.join(' ')}\n`);
}

// ------------------------------------------------------------------ cleanup
const cleanups = [];
/** Registers fn to run at the end of the case (LIFO), also on failure and on SIGINT/SIGTERM. */
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function runCleanups() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      log(`cleanup failed: ${err?.message ?? err}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    void runCleanups().finally(() => process.exit(130));
  });
}

export function tempDir(prefix = 'vigil-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ------------------------------------------------------------------ the product
/** out/main/host.js, or BENCH_HOST_BUNDLE (another build of host.js, for A/B experiments). */
export function hostBundlePath() {
  return process.env.BENCH_HOST_BUNDLE ? resolve(process.env.BENCH_HOST_BUNDLE) : join(ROOT, 'out', 'main', 'host.js');
}

/**
 * The host options `vigil serve` and the desktop app give, beside the bundle: agents in the pty
 * host (a process of its own, counted with the host) and the database template for a first start.
 */
export function shippedHostOptions() {
  const dir = dirname(hostBundlePath());
  // BENCH_PROFILE=1 profiles the pty host too (a process of its own): written when it exits
  // (idle, a few seconds after the case) to bench/results/profiles/CPU.*.cpuprofile.
  const runtimeArgs = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', join(RESULTS_DIR, 'profiles')] : [];
  return { ptyHost: { runtime: process.execPath, runtimeArgs, script: join(dir, 'ptyhost.js') }, dbTemplate: join(dir, 'db-template.tar.gz') };
}

/** Whether the host's start-up backup in dataDir is verified (its VERIFIED marker is written). */
export function backupVerified(dataDir) {
  try {
    return readdirSync(join(dataDir, 'backups')).some((n) => existsSync(join(dataDir, 'backups', n, 'VERIFIED')));
  } catch {
    return false;
  }
}

/** A child process's line to its parent: one JSON object on stdout. */
export const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

let bundle = null;
/** The built host library (out/main/host.js); run.mjs builds it first when missing or stale. */
export async function loadHost() {
  if (bundle) return bundle;
  const path = hostBundlePath();
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run bench" (it builds) or "npm run build"`);
  bundle = await import(pathToFileURL(path).href);
  return bundle;
}

/** A key for cached databases: the migrations they were made with (a changed schema makes new ones). */
export function schemaKey() {
  const dir = join(ROOT, 'src', 'main', 'db', 'migrations');
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.sql')) h.update(name).update(readFileSync(join(dir, name)));
  }
  h.update(readFileSync(join(dir, 'meta', '_journal.json')));
  return h.digest('hex').slice(0, 12);
}

let template = null;
/**
 * initdb is slow (~10 s on 2 cores): a migrated, cleanly closed PGlite folder is made once and
 * cached under bench/.cache (keyed by the migrations); each host gets a copy.
 */
async function migratedTemplate() {
  if (template) return template;
  const dir = join(CACHE_DIR, `empty-${schemaKey()}`);
  if (!existsSync(join(dir, 'db', 'PG_VERSION'))) {
    log('making a migrated empty PGlite folder (once, cached in bench/.cache)...');
    const tmp = mkdtempSync(join(CACHE_DIR, '.tmp-empty-'));
    onCleanup(() => rmSync(tmp, { recursive: true, force: true }));
    const { startHost } = await loadHost();
    const host = await startHost({ dataDir: tmp, startScheduler: false, recoverOnStart: false, sweepIntervalMs: 0, backupOnStart: false });
    await host.close();
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  template = dir;
  return template;
}

/** A fresh data folder with a migrated, empty PGlite database (removed at the end). */
export async function freshDataDir() {
  const src = await migratedTemplate();
  const dir = tempDir();
  cpSync(join(src, 'db'), join(dir, 'db'), { recursive: true });
  return dir;
}

/**
 * Starts the real host (out/main/host.js) on a data folder; returns it with a closer that is
 * registered for cleanup. opts are HostOptions.
 */
export async function startBenchHost(opts) {
  const { startHost } = await loadHost();
  // The verified start-up backup copies the folder once, right after start: steady-state cases
  // turn it off so it does not land inside their measurements (the cold-start case keeps it).
  const host = await startHost({ ...shippedHostOptions(), sweepIntervalMs: 0, backupOnStart: false, ...opts });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await host.close();
  };
  onCleanup(close);
  return { host, close, call: (method, params) => host.api.invoke(method, params) };
}

/** The underlying PGlite client of a host (drizzle keeps it as $client), for raw bulk SQL. */
export function pgliteOf(host) {
  const client = host.ctx?.db?.$client;
  if (!client || typeof client.query !== 'function') throw new Error('host.ctx.db.$client is not a PGlite client');
  return client;
}

const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);

/**
 * Watches run events: `waitStatus(runId, pred)` resolves with (the event time, the run DTO) of
 * the first run.updated for which pred holds, including one that arrived before the call.
 */
export function runWatcher(host) {
  const seen = new Map(); // runId -> [{ t, run }]
  const waiters = new Set();
  // Only run events: a catch-all listener would count as someone watching live output.
  const unsubscribe = host.events.subscribe((e) => {
    if (e.event !== 'run.updated' && e.event !== 'run.created') return;
    const t = now();
    const entry = { t, run: e.data };
    const list = seen.get(e.data.id) ?? [];
    list.push(entry);
    seen.set(e.data.id, list);
    for (const w of [...waiters]) {
      if (w.runId === e.data.id && w.pred(e.data)) {
        waiters.delete(w);
        w.resolve(entry);
      }
    }
  }, { events: ['run.created', 'run.updated'] });
  onCleanup(unsubscribe);
  return {
    waitStatus(runId, pred, timeoutMs = 600_000) {
      const hit = (seen.get(runId) ?? []).find((x) => pred(x.run));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { runId, pred, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w)) reject(new Error(`run ${runId}: timed out after ${timeoutMs} ms waiting for a status`));
        }, timeoutMs).unref();
      });
    },
    waitEnded(runId, timeoutMs) {
      return this.waitStatus(runId, (r) => TERMINAL.has(r.status), timeoutMs);
    },
    forget(runId) {
      seen.delete(runId);
    },
    stop: unsubscribe,
  };
}

// ------------------------------------------------------------------ fixtures
/**
 * A file of `bytes` random base64 text in 76-character lines (printable ASCII and \n), cached
 * under bench/.cache: the same bytes go through Vigil, a bare node-pty and PM2.
 */
export function textFixture(bytes) {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `text-${bytes}.txt`);
  if (existsSync(path) && statSync(path).size === bytes) return path;
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const line = 77; // 76 characters + \n
    const block = Buffer.alloc(line * 8192);
    let left = bytes;
    while (left > 0) {
      const raw = randomBytes(57 * 8192).toString('base64'); // 57 bytes -> 76 characters
      for (let i = 0; i < 8192; i++) {
        block.write(raw.slice(i * 76, i * 76 + 76), i * line, 'latin1');
        block[i * line + 76] = 10;
      }
      const n = Math.min(left, block.length);
      writeSync(fd, block, 0, n);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export function sha256File(path) {
  return new Promise((resolveHash, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 4 * MiB })
      .on('data', (d) => h.update(d))
      .on('end', () => resolveHash(h.digest('hex')))
      .on('error', reject);
  });
}

const shaCache = new Map();
export async function fixtureSha(path) {
  if (!shaCache.has(path)) shaCache.set(path, await sha256File(path));
  return shaCache.get(path);
}

// ------------------------------------------------------------------ machine
export function machine() {
  const cpu = cpus();
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    os: kernel || process.platform,
  };
}

// ------------------------------------------------------------------ results
/** What a case hands back to run.mjs: written to BENCH_RESULT_FILE as JSON. */
export function metric(name, fields) {
  return { metric: name, baseline: null, ratio: null, ...fields };
}

/** Runs a case body: results out to BENCH_RESULT_FILE, cleanups always, exit code 1 on failure. */
export async function runCase(name, body) {
  const out = process.env.BENCH_RESULT_FILE;
  let result;
  try {
    result = { name, ok: true, ...(await body()) };
  } catch (err) {
    result = { name, ok: false, error: err?.stack ?? String(err), metrics: [] };
    log(`${name}: FAILED: ${err?.stack ?? err}`);
  } finally {
    await runCleanups();
  }
  if (out) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(out, JSON.stringify(result));
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
  // Whatever a library left behind (a PGlite worker, a pm2 socket) must not keep the case alive.
  process.exit(result.ok ? 0 : 1);
}

// ------------------------------------------------------------------ profiling
/**
 * With BENCH_PROFILE=1, records a CPU profile of this process while fn runs (the measured
 * window only, not set-up) to bench/results/profiles/<label>.cpuprofile; prints the top self
 * times. Off by default: the profiler itself slows the process.
 */
export async function profiled(label, fn) {
  if (process.env.BENCH_PROFILE !== '1') return fn();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const dir = join(RESULTS_DIR, 'profiles');
    mkdirSync(dir, { recursive: true });
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, `${label}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    log(`profile: ${file}`);
    for (const line of summarizeProfile(profile, 15)) log(`  ${line}`);
  }
}

/** Top self-time functions of a V8 CPU profile, as printable lines. */
export function summarizeProfile(profile, top = 20) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const n = byId.get(id);
    const cf = n.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [
    `total ${(total / 1000).toFixed(0)} ms sampled`,
    ...[...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`),
  ];
}

// ------------------------------------------------------------------ event-loop stalls
/**
 * The longest time the event loop did not turn while fn ran: a 5 ms interval timer's largest
 * gap (the start and the end count as ticks). monitorEventLoopDelay records nothing at all when
 * the loop never turns, so it cannot show this.
 */
export async function longestStall(fn) {
  let last = now();
  let longest = 0;
  const tick = () => {
    const t = now();
    longest = Math.max(longest, t - last);
    last = t;
  };
  const timer = setInterval(tick, 5);
  try {
    const value = await fn();
    tick();
    return { value, stallMs: longest };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Watches pids from a worker thread (it keeps polling while the main thread is busy) and
 * resolves with the wall time (performance.timeOrigin + now(), ms) when none of them is alive.
 */
export async function whenAllGone(pids) {
  const { Worker } = await import('node:worker_threads');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    const { performance } = require('node:perf_hooks');
    const alive = (pid) => { try { const t = readFileSync('/proc/' + pid + '/stat', 'utf8'); return !/^[ZXx]$/.test(t.slice(t.lastIndexOf(')') + 2).split(' ')[0]); } catch { return false; } };
    let left = workerData.pids;
    const poll = () => {
      left = left.filter(alive);
      if (left.length === 0) parentPort.postMessage(performance.timeOrigin + performance.now());
      else setTimeout(poll, 2);
    };
    poll();`;
  const worker = new Worker(code, { eval: true, workerData: { pids } });
  onCleanup(() => worker.terminate());
  return new Promise((resolve, reject) => {
    worker.once('message', (at) => {
      void worker.terminate();
      resolve(at);
    });
    worker.once('error', reject);
  });
}

/** This thread's now() as wall time comparable with whenAllGone's answer. */
export const wallNow = () => performance.timeOrigin + now();

// ------------------------------------------------------------------ Vigil's processes
const CLK_TCK = 100; // Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

/** /proc/<pid>/stat as { ppid, pgrp, cpuMs } (utime + stime), or null once it is gone. */
export function procStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields after the name: 0 state, 1 ppid, 2 pgrp, ... 11 utime, 12 stime.
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK };
  } catch {
    return null;
  }
}

/** Resident and peak resident memory of one process, MB (VmRSS, VmHWM), or null once it is gone. */
export function procMem(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
    return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Direct children of pid, from /proc/<pid>/task/<tid>/children (cheap: no scan of /proc). */
function childrenOf(pid) {
  const out = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (c) out.push(Number(c));
    } catch {}
  }
  return out;
}

/** Every live descendant of rootPid (not rootPid itself) as { pid, ppid, pgrp, cpuMs }. */
export function descendants(rootPid) {
  const out = [];
  const walk = (pid) => {
    for (const c of childrenOf(pid)) {
      const s = procStat(c);
      if (!s) continue;
      out.push({ pid: c, ...s });
      walk(c);
    }
  };
  walk(rootPid);
  return out;
}

/**
 * CPU time of Vigil's processes while fn runs: the host process (`process.cpuUsage`, exact) plus
 * every helper process below it (a pty host, a database child), sampled from /proc every
 * `everyMs`. `isAgent(proc)`, asked at the end (once the runs' process groups are known), marks
 * the agents' own processes, which are not Vigil's cost. A helper that exits between samples
 * loses at most its last slice.
 */
export async function vigilCpu(fn, { isAgent = () => false, everyMs = 20 } = {}) {
  const seen = new Map(); // pid -> { pgrp, ppid, firstMs (0 if born during fn), lastMs }
  // The sampler runs in this process, which is also the host's: its own CPU is not the host's.
  let samplerUs = 0;
  const sample = (initial) => {
    const before = process.cpuUsage();
    for (const p of descendants(process.pid)) {
      const s = seen.get(p.pid);
      if (s) s.lastMs = p.cpuMs;
      else seen.set(p.pid, { pid: p.pid, pgrp: p.pgrp, ppid: p.ppid, firstMs: initial ? p.cpuMs : 0, lastMs: p.cpuMs });
    }
    const spent = process.cpuUsage(before);
    samplerUs += spent.user + spent.system;
  };
  sample(true);
  const timer = setInterval(() => sample(false), everyMs);
  const cpu0 = process.cpuUsage();
  samplerUs = 0;
  try {
    const value = await fn();
    const self = process.cpuUsage(cpu0);
    const samplerMs = samplerUs / 1000;
    sample(false);
    const helpers = [...seen.values()].filter((p) => !isAgent(p));
    const helpersMs = helpers.reduce((n, p) => n + p.lastMs - p.firstMs, 0);
    return { value, hostMs: (self.user + self.system) / 1000 - samplerMs, samplerMs, helpersMs, helpers: helpers.length };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Samples the summed resident memory of a process and all its descendants every `everyMs`
 * until stop(); stop() resolves with { peakMB, lastMB, samples }.
 */
export function treeRss(rootPid, { everyMs = 10 } = {}) {
  let peakMB = 0;
  let lastMB = 0;
  let samples = 0;
  let peakProcs = 0;
  const sample = () => {
    const pids = [rootPid, ...descendants(rootPid).map((p) => p.pid)];
    let sum = 0;
    let n = 0;
    for (const pid of pids) {
      const m = procMem(pid);
      if (m) {
        sum += m.rssMB;
        n++;
      }
    }
    if (n === 0) return lastMB;
    samples++;
    lastMB = sum;
    if (sum > peakMB) {
      peakMB = sum;
      peakProcs = n;
    }
    return sum;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    sample,
    stop() {
      clearInterval(timer);
      return { peakMB, lastMB, samples, peakProcs };
    },
  };
}
