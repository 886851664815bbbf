// log_tail_ms: the contract call runs.log { tail: 65536 } on a finished run whose log is 100 MB
// (written by a real run through the host), as the run page asks for it. Median of repeated
// calls; the bytes returned are checked against the source.
import { openSync, readSync, closeSync } from 'node:fs';
import { fixtureSha, freshDataDir, log, MB, median, metric, now, percentile, profiled, QUICK, round, runCase, runWatcher, startBenchHost, textFixture } from '../lib/common.mjs';

const SIZE = 100 * MB;
const TAIL = 65536;
const CALLS = QUICK ? 30 : 100;

runCase('log-tail', async () => {
  const file = textFixture(SIZE);
  const sha = await fixtureSha(file);
  const expected = Buffer.alloc(TAIL);
  const fd = openSync(file, 'r');
  readSync(fd, expected, 0, TAIL, SIZE - TAIL);
  closeSync(fd);

  const dataDir = await freshDataDir();
  const { host, call } = await startBenchHost({ dataDir });
  const watch = runWatcher(host);
  const agent = await call('agents.create', { name: 'big-log', adapterType: 'process', command: `stty raw -opost; exec cat '${file}'`, cwd: dataDir });
  const { runId } = await call('agents.wake', { agent: agent.id });
  const end = await watch.waitEnded(runId);
  if (end.run.logBytes !== SIZE || end.run.logSha256 !== sha) throw new Error(`the run logged ${end.run.logBytes} bytes (sha ${end.run.logSha256}), not the fixture`);

  const times = [];
  let first = null;
  await profiled('log-tail', async () => {
    for (let i = 0; i < CALLS + 1; i++) {
      const t0 = now();
      const chunk = await call('runs.log', { run: runId, tail: TAIL });
      const ms = now() - t0;
      if (i === 0) {
        first = ms;
        const data = Buffer.from(chunk.data, 'base64');
        if (chunk.offset !== SIZE - TAIL || chunk.totalBytes !== SIZE || !data.equals(expected)) throw new Error('runs.log tail returned the wrong bytes');
      } else {
        times.push(ms);
      }
    }
  });
  const m = median(times);
  log(`runs.log tail ${TAIL} of ${SIZE / MB} MB: median ${m.toFixed(2)} ms, p90 ${percentile(times, 90).toFixed(2)} ms, first call ${first.toFixed(2)} ms`);
  return {
    metrics: [
      metric('log_tail_ms', {
        value: round(m, 2),
        unit: 'ms',
        target: 50,
        ok: m <= 50,
        detail: `runs.log { tail: 65536 } on a ${SIZE / MB} MB log, median of ${CALLS} calls (p90 ${round(percentile(times, 90), 2)} ms, first ${round(first, 2)} ms); bytes verified`,
      }),
    ],
    raw: { times, first },
  };
});
