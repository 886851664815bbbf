// event_loop_p99_ms: the host's event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms
// resolution) while 20 agents each print 1 MB/s of text lines for 20 s (quick: 5 s), from the
// moment all 20 runs are running until the last one is finalized. Every byte is checked in the logs.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { barePtyRun } from '../lib/pty-bare.mjs';
import { BENCH_DIR, freshDataDir, log, longestStall, metric, MiB, now, profiled, QUICK, round, runCase, runWatcher, startBenchHost } from '../lib/common.mjs';

const AGENTS = 20;
const RATE = MiB;
const SECONDS = QUICK ? 5 : 20;

runCase('event-loop', async () => {
  const dataDir = await freshDataDir();
  const { host, call } = await startBenchHost({ dataDir, maxConcurrentRuns: AGENTS });
  const watch = runWatcher(host);
  const emitter = join(BENCH_DIR, 'agents', 'emit.mjs');
  const agents = [];
  for (let i = 0; i < AGENTS; i++) {
    agents.push(
      await call('agents.create', {
        name: `busy-${String(i + 1).padStart(2, '0')}`,
        adapterType: 'process',
        command: `exec '${process.execPath}' '${emitter}' ${RATE} ${SECONDS}`,
        cwd: dataDir,
      }),
    );
  }
  const expected = Math.floor((RATE * SECONDS) / 100) * 100;
  const logBytes = expected + expected / 100; // the tty turns each \n into \r\n: a 100-byte line is 101 bytes

  // The floor on these shared cores: the same 20 agents read by bare node-pty in this process.
  const command = `exec '${process.execPath}' '${emitter}' ${RATE} ${SECONDS}`;
  const hb = monitorEventLoopDelay({ resolution: 10 });
  hb.enable();
  const bare = await Promise.all(Array.from({ length: AGENTS }, () => barePtyRun(command, { cwd: dataDir })));
  hb.disable();
  const bareShort = bare.filter((b) => b.bytes < logBytes).length;
  log(`bare node-pty, same agents: loop delay p99 ${(hb.percentile(99) / 1e6).toFixed(1)} ms, max ${(hb.max / 1e6).toFixed(1)} ms (${bareShort} reader(s) got less than all)`);

  const h = monitorEventLoopDelay({ resolution: 10 });
  const t0 = now();
  const runIds = [];
  const { stallMs: startStall } = await longestStall(async () => {
    for (const a of agents) runIds.push((await call('agents.wake', { agent: a.id })).runId);
    await Promise.all(runIds.map((id) => watch.waitStatus(id, (r) => r.status === 'running')));
  });
  const tRunning = now();
  log(`${AGENTS} runs running ${(tRunning - t0).toFixed(0)} ms after the first wake (the event loop stalled up to ${startStall.toFixed(0)} ms meanwhile); measuring...`);
  // h: from all running to all finalized (the figure); hp: only until the first run ends (printing only).
  const hp = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  hp.enable();
  const endings = runIds.map((id) => watch.waitEnded(id, 300_000));
  void Promise.race(endings).then(() => hp.disable());
  const ended = await profiled('event-loop', () => Promise.all(endings));
  h.disable();
  hp.disable();
  const tEnd = now();
  const ms = (ns) => ns / 1e6;
  const short = ended.filter((e) => e.run.status !== 'succeeded' || e.run.logBytes !== logBytes);
  const totalBytes = ended.reduce((n, e) => n + e.run.logBytes, 0);
  const p99 = ms(h.percentile(99));
  log(
    `loop delay p50 ${ms(h.percentile(50)).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${ms(h.max).toFixed(1)} ms over ${((tEnd - tRunning) / 1000).toFixed(1)} s; ` +
      `${(totalBytes / ((tEnd - tRunning) / 1000) / MiB).toFixed(1)} MiB/s captured in total; ${short.length} run(s) not byte-complete`,
  );
  return {
    notes: [
      `event loop: bare node-pty reading the same agents: p99 ${round(ms(hb.percentile(99)), 1)} ms, max ${round(ms(hb.max), 1)} ms (the floor on these shared cores); Vigil: starting the ${AGENTS} runs took ${round(tRunning - t0, 0)} ms with event-loop stalls up to ${round(startStall, 0)} ms (not in the figure); then p50 ${round(ms(h.percentile(50)), 1)} ms, p99 ${round(p99, 1)} ms, max ${round(ms(h.max), 1)} ms (while printing only, before the first run ended: p99 ${round(ms(hp.percentile(99)), 1)} ms, max ${round(ms(hp.max), 1)} ms); ${round(totalBytes / MiB, 0)} MiB captured, ${short.length} run(s) short`,
    ],
    metrics: [
      metric('event_loop_p99_ms', {
        value: round(p99, 1),
        unit: 'ms',
        baseline: round(ms(hb.percentile(99)), 1),
        ratio: round(p99 / ms(hb.percentile(99)), 2),
        target: 50,
        ok: p99 <= 50 && short.length === 0,
        detail: `monitorEventLoopDelay p99 (10 ms resolution, value as recorded: it includes the 10 ms interval) while ${AGENTS} agents print ${RATE / MiB} MiB/s each for ${SECONDS} s (max ${round(ms(h.max), 0)} ms)${short.length ? `; ${short.length} run(s) NOT byte-complete` : '; all logs byte-complete'}`,
      }),
    ],
    raw: { printingOnly: { p99: ms(hp.percentile(99)), max: ms(hp.max) }, startMs: tRunning - t0, startStallMs: startStall, bare: { p50: ms(hb.percentile(50)), p99: ms(hb.percentile(99)), max: ms(hb.max) }, p50: ms(h.percentile(50)), p90: ms(h.percentile(90)), p99, max: ms(h.max), seconds: (tEnd - tRunning) / 1000, totalBytes, short: short.map((e) => ({ id: e.run.id, status: e.run.status, logBytes: e.run.logBytes })) },
  };
});
