// spawn_overhead_ms: the wake call until the run is recorded running with its pid (the
// run.updated event after the claim commits), minus a bare node-pty spawn of the same command
// (spawn call -> pid). Median over many wakes of a process-adapter agent running `true`.
import { median, metric, now, percentile, QUICK, round, runCase, runWatcher, startBenchHost, freshDataDir, log } from '../lib/common.mjs';
import { barePtyRun } from '../lib/pty-bare.mjs';

const REPS = QUICK ? 10 : 40;

runCase('spawn', async () => {
  const dataDir = await freshDataDir();
  const { host, call } = await startBenchHost({ dataDir, maxConcurrentRuns: 4 });
  const watch = runWatcher(host);
  const agent = await call('agents.create', { name: 'spawner', adapterType: 'process', command: 'true', cwd: dataDir });

  const vigil = [];
  const queued = [];
  const bare = [];
  for (let i = 0; i <= REPS; i++) {
    const t0 = now();
    const { runId, status } = await call('agents.wake', { agent: agent.id });
    const tQueued = now() - t0;
    if (status !== 'queued') throw new Error(`wake was ${status}, not queued`);
    const running = await watch.waitStatus(runId, (r) => r.status === 'running' && Number.isInteger(r.processPid));
    const ms = running.t - t0;
    await watch.waitEnded(runId);
    const b = await barePtyRun('true', { cwd: dataDir });
    if (i === 0) continue; // warm-up
    vigil.push(ms);
    queued.push(tQueued);
    bare.push(b.spawnMs);
  }
  const v = median(vigil);
  const b = median(bare);
  const overhead = v - b;
  log(`wake -> running with pid: median ${v.toFixed(1)} ms (p90 ${percentile(vigil, 90).toFixed(1)}), of which the wake call ${median(queued).toFixed(1)} ms; bare node-pty spawn ${b.toFixed(2)} ms`);
  return {
    notes: [`spawn: wake -> running+pid median ${round(v, 1)} ms (p90 ${round(percentile(vigil, 90), 1)} ms; the wake call itself ${round(median(queued), 1)} ms); bare node-pty spawn ${round(b, 2)} ms`],
    metrics: [
      metric('spawn_overhead_ms', {
        value: round(overhead, 1),
        unit: 'ms',
        baseline: round(b, 2),
        ratio: round(v / b, 1),
        target: 10,
        ok: overhead <= 10,
        detail: `wake -> running+pid ${round(v, 1)} ms - bare spawn ${round(b, 2)} ms (median of ${REPS})`,
      }),
    ],
    raw: { vigil, queued, bare },
  };
});
