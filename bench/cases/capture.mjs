// pty_capture_ratio, pty_capture_vs_c and pm2_capture_ratio: one command printing N bytes of
// text (200 MB; quick 50 MB), captured four ways in one session, interleaved: Vigil (a real
// process-adapter run through the real host, wake -> log closed, bytes verified on disk), a bare
// node-pty read, a C read loop over the pty master with 64 KiB reads (bench/native/pty-read.c,
// the floor), and PM2 (its daemon, its log file). Median of the repetitions.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  fixtureSha,
  freshDataDir,
  log,
  MB,
  median,
  metric,
  now,
  profiled,
  QUICK,
  round,
  runCase,
  runWatcher,
  sha256File,
  vigilCpu,
  startBenchHost,
  textFixture,
} from '../lib/common.mjs';
import { barePtyRun } from '../lib/pty-bare.mjs';
import { startPm2 } from '../lib/pm2.mjs';
import { cPtyRun, cReader } from '../lib/pty-c.mjs';

const N = QUICK ? 50 * MB : 200 * MB;
const REPS = QUICK ? 3 : 5;

/**
 * Vigil against another capturer: the ratio (3 digits for speed, 2 for CPU; `cmp` '<=' when lower
 * is better), met when it reaches the target and `also` holds.
 */
function ratioMetric(name, { ratio, cmp, baseline, target, also = true, detail }) {
  const r = round(ratio, cmp === '<=' ? 2 : 3);
  const met = cmp === '<=' ? ratio <= target : ratio >= target;
  return metric(name, { value: r, unit: 'ratio', ...(cmp ? { cmp } : {}), baseline, ratio: r, target, ok: met && also, detail });
}

runCase('capture', async () => {
  const file = textFixture(N);
  const sha = await fixtureSha(file);
  // Without -opost the tty would turn every \n into \r\n: the log is to hold the file's bytes.
  const command = `stty raw -opost; exec cat '${file}'`;

  const dataDir = await freshDataDir();
  const { host, call } = await startBenchHost({ dataDir, maxConcurrentRuns: 4 });
  const watch = runWatcher(host);
  const agent = await call('agents.create', { name: 'capture', adapterType: 'process', command, cwd: dataDir });
  const pm2 = await startPm2();
  // The agents' process groups (a pty child leads its own), known from the run's events.
  const agentGroups = new Set();
  host.events.subscribe(
    (e) => {
      if (e.data.processGroupId) agentGroups.add(e.data.processGroupId);
    },
    { events: ['run.updated'] },
  );

  // A live viewer (the log view open in a window): subscribed only for the watched repetition,
  // since Vigil encodes live output only when someone listens for it.
  let outFirst = 0;
  let outLast = 0;
  const watchOutput = () =>
    host.events.subscribe(
      () => {
        outLast = now();
        outFirst ||= outLast;
      },
      { events: ['run.output'] },
    );

  cReader(); // built before anything is timed
  const vigil = [];
  const bare = [];
  const native = [];
  const peer = [];
  const watched = [];
  const runVigil = async (rep, { watch: viewer = false } = {}) => {
    outFirst = outLast = 0;
    const unwatch = viewer ? watchOutput() : () => {};
    const t0 = now();
    let runId;
    // Every Vigil process counts (the host and any helper below it, the pty host), the agent's
    // group does not, nor PM2's daemon (a child of this process too, idle meanwhile).
    const pm2Daemon = pm2.daemonPid();
    const cpu = await vigilCpu(
      async () => {
        ({ runId } = await call('agents.wake', { agent: agent.id }));
        return watch.waitEnded(runId);
      },
      { isAgent: (p) => agentGroups.has(p.pgrp) || (pm2Daemon !== null && (p.pid === pm2Daemon || p.ppid === pm2Daemon)) },
    );
    unwatch();
    const end = cpu.value;
    const ms = end.t - t0;
    const path = join(dataDir, 'logs', `${runId}.log`);
    const bytes = statSync(path).size;
    const verified = (await sha256File(path)) === sha && end.run.logSha256 === sha && end.run.status === 'succeeded';
    const r = { ms, bytes, lost: N - bytes, verified, status: end.run.status, cpuMs: cpu.hostMs + cpu.helpersMs, hostCpuMs: cpu.hostMs, helperCpuMs: cpu.helpersMs, samplerCpuMs: cpu.samplerMs, helpers: cpu.helpers, streamMBs: (N / (outLast - outFirst)) / 1000, before: outFirst - t0, after: end.t - outLast };
    if (viewer) {
      log(`rep ${rep} vigil, watched live: ${(bytes / ms / 1000).toFixed(1)} MB/s (${ms.toFixed(0)} ms; first output after ${r.before.toFixed(0)} ms, log closed ${r.after.toFixed(0)} ms after the last; ${verified ? 'sha256 verified' : 'NOT VERIFIED'})`);
      watched.push(r);
      return;
    }
    log(`rep ${rep} vigil: ${(bytes / ms / 1000).toFixed(1)} MB/s (${ms.toFixed(0)} ms, ${(r.cpuMs / (bytes / MB)).toFixed(1)} CPU ms/MB, the bench's /proc sampler's ${r.samplerCpuMs.toFixed(1)} ms in this process not counted; ${verified ? 'sha256 verified' : 'NOT VERIFIED'})`);
    vigil.push(r);
  };
  const runBare = async (rep) => {
    // The same sampler runs as for Vigil, so its own cost is on both sides; the bare pty's
    // children are all the agent's.
    const cpu = await vigilCpu(() => barePtyRun(command, { cwd: dataDir }), { isAgent: () => true });
    const r = cpu.value;
    r.cpuMs = cpu.hostMs;
    log(`rep ${rep} bare node-pty: ${(r.bytes / r.ms / 1000).toFixed(1)} MB/s (${r.ms.toFixed(0)} ms, ${N - r.bytes} bytes not delivered)`);
    bare.push(r);
  };
  const runC = async (rep) => {
    const r = await cPtyRun(command, { cwd: dataDir });
    log(`rep ${rep} C read loop: ${(r.bytes / r.ms / 1000).toFixed(1)} MB/s (${r.ms.toFixed(0)} ms, ${(r.cpuMs / (r.bytes / MB)).toFixed(1)} CPU ms/MB, ${N - r.bytes} bytes not delivered)`);
    native.push(r);
  };
  const runPm2 = async (rep) => {
    const r = await pm2.capture('/bin/cat', [file], N);
    r.cpuMs = r.daemonCpuMs;
    r.verified = r.bytes === N && (await sha256File(r.path)) === sha;
    log(`rep ${rep} pm2: ${(r.bytes / r.ms / 1000).toFixed(1)} MB/s (${r.ms.toFixed(0)} ms, ${N - r.bytes} bytes lost${r.verified ? ', sha256 verified' : ''})`);
    peer.push(r);
  };
  // Warm-up (page cache, JIT, PM2's first spawn), not counted.
  await runBare(0);
  await profiled('capture-vigil-warmup', () => runVigil(0));
  await runPm2(0);
  await runC(0);
  vigil.length = bare.length = peer.length = native.length = 0;
  const order = [runBare, runVigil, runC, runPm2];
  for (let rep = 1; rep <= REPS; rep++) {
    for (let i = 0; i < order.length; i++) await order[(i + rep) % order.length](rep);
  }
  await runVigil(REPS + 1, { watch: true });
  await pm2.stop();

  const rate = (rs) => median(rs.map((r) => r.bytes / r.ms)) * 1000; // bytes/s
  const vigilRate = rate(vigil);
  const bareRate = rate(bare);
  const pm2Rate = rate(peer);
  const cRate = rate(native);
  const cpuPerMB = (rs, key = 'cpuMs') => round(median(rs.map((r) => r[key] / (r.bytes / MB))), 2);
  const cpuRatio = cpuPerMB(vigil) / cpuPerMB(bare);
  const cpuVsC = cpuPerMB(vigil) / cpuPerMB(native);
  const lost = Math.max(...[...vigil, ...watched].map((r) => r.lost));
  const allVerified = [...vigil, ...watched].every((r) => r.verified);
  const notes = [
    `Vigil: ${round(vigilRate / MB, 1)} MB/s wake -> log closed and fsynced, nobody watching live; watched live once (a run.output listener): ${round(watched[0].bytes / watched[0].ms / 1000, 1)} MB/s, ${round(watched[0].cpuMs / (watched[0].bytes / MB), 2)} CPU ms/MB (streaming ${round(watched[0].streamMBs, 1)} MB/s between first and last output; first output ${round(watched[0].before, 0)} ms after the wake, log closed ${round(watched[0].after, 0)} ms after the last output)`,
    `bare node-pty: ${round(bareRate / MB, 1)} MB/s (spawn -> exit; it dropped up to ${Math.max(...bare.map((r) => N - r.bytes))} bytes of the tail)`,
    `C read loop (64 KiB reads of the pty master): ${round(cRate / MB, 1)} MB/s, ${cpuPerMB(native)} CPU ms/MB (spawn -> exit; it missed up to ${Math.max(...native.map((r) => N - r.bytes))} bytes)`,
    `PM2: ${round(pm2Rate / MB, 1)} MB/s (start -> log complete; a pipe, not a pty; no fsync); its log missed bytes in ${peer.filter((r) => r.bytes < N).length} of ${REPS} runs (up to ${Math.max(...peer.map((r) => N - r.bytes))} bytes)`,
    `CPU per captured MB (robust to the shared cores): Vigil ${cpuPerMB(vigil)} ms (host ${cpuPerMB(vigil, 'hostCpuMs')} ms, helper processes ${cpuPerMB(vigil, 'helperCpuMs')} ms over ${Math.max(...vigil.map((r) => r.helpers))} process(es)), bare node-pty ${cpuPerMB(bare)} ms, PM2 daemon ${cpuPerMB(peer)} ms`,
  ];
  return {
    notes,
    metrics: [
      ratioMetric('pty_capture_ratio', {
        ratio: vigilRate / bareRate,
        baseline: round(bareRate / MB, 1),
        target: 0.8,
        also: lost === 0 && allVerified,
        detail: `Vigil ${round(vigilRate / MB, 1)} MB/s vs bare node-pty ${round(bareRate / MB, 1)} MB/s (${N / MB} MB, median of ${REPS})`,
      }),
      ratioMetric('pty_cpu_ratio', {
        ratio: cpuRatio,
        cmp: '<=',
        baseline: cpuPerMB(bare),
        target: 2,
        detail: `CPU ms per captured MB: every Vigil process ${cpuPerMB(vigil)} (host + helpers, not the agent) vs bare node-pty ${cpuPerMB(bare)}; PM2 daemon ${cpuPerMB(peer)}`,
      }),
      ratioMetric('pty_capture_vs_c', {
        ratio: vigilRate / cRate,
        baseline: round(cRate / MB, 1),
        target: 0.8,
        also: lost === 0 && allVerified,
        detail: `Vigil ${round(vigilRate / MB, 1)} MB/s vs a C read loop (64 KiB reads) ${round(cRate / MB, 1)} MB/s (${N / MB} MB, median of ${REPS})`,
      }),
      ratioMetric('pty_cpu_vs_c', {
        ratio: cpuVsC,
        cmp: '<=',
        baseline: cpuPerMB(native),
        target: 2,
        detail: `CPU ms per captured MB: every Vigil process ${cpuPerMB(vigil)} vs the C read loop ${cpuPerMB(native)} (its own process; the agent's not counted on either side)`,
      }),
      metric('pty_bytes_lost', {
        value: lost,
        unit: 'bytes',
        target: 0,
        ok: lost === 0 && allVerified,
        detail: allVerified ? 'every run log byte-identical to the source (sha256)' : 'a run log differed from the source',
      }),
      ratioMetric('pm2_capture_ratio', {
        ratio: vigilRate / pm2Rate,
        baseline: round(pm2Rate / MB, 1),
        target: 1,
        detail: `Vigil ${round(vigilRate / MB, 1)} MB/s / PM2 ${round(pm2Rate / MB, 1)} MB/s; >= 1 means Vigil is as fast or faster`,
      }),
    ],
    raw: { vigil, watched, bare, c: native, pm2: peer },
  };
});
