// agents_100: 100 agents printing at once (quick mode too: it prints less, for less long) under the real host, in-process as shipped
// (agents in the pty host), with its control socket open: every log byte-exact, the host
// process's peak RSS, the host's event-loop p99 while they print, and `vigil run list` (a
// whole CLI process, bin/vigil, as agents and people call it) p90 while they run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BENCH_DIR, descendants, freshDataDir, KiB, loadHost, log, metric, now, onCleanup, percentile, procMem, profiled, QUICK, round, runCase, runWatcher, startBenchHost } from '../lib/common.mjs';

const AGENTS = 100;
const RATE = (QUICK ? 128 : 256) * KiB;
const SECONDS = QUICK ? 8 : 20;
const TARGETS = { rssMB: 400, p99: 50, cliP90: 150 };

const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

runCase('agents', async () => {
  const dataDir = await freshDataDir();
  const { host, call } = await startBenchHost({ dataDir, maxConcurrentRuns: AGENTS });
  const { startControlSocket, controlSocketPath } = await loadHost();
  const socket = await startControlSocket(host, controlSocketPath(dataDir));
  onCleanup(() => socket.close());
  const watch = runWatcher(host);
  const emitter = join(BENCH_DIR, 'agents', 'emit.mjs');
  const command = `exec '${process.execPath}' '${emitter}' ${RATE} ${SECONDS}`;
  const agents = [];
  for (let i = 0; i < AGENTS; i++) agents.push(await call('agents.create', { name: `many-${String(i + 1).padStart(3, '0')}`, adapterType: 'process', command, cwd: dataDir }));
  const expected = Math.floor((RATE * SECONDS) / 100) * 100;
  const logBytes = expected + expected / 100; // the tty turns each \n into \r\n

  // Peak RSS of the host process and of the pty host (agents excluded), every 200 ms; the pty
  // host is looked up in /proc once it exists (a walk of every agent each time would cost the
  // host's loop, which is what is measured).
  let hostPeak = 0;
  let ptyPeak = 0;
  let ptyPid = null;
  const sampler = setInterval(() => {
    hostPeak = Math.max(hostPeak, procMem(process.pid)?.rssMB ?? 0);
    ptyPid ??= descendants(process.pid).find((p) => cmdline(p.pid).includes('ptyhost'))?.pid ?? null;
    if (ptyPid) ptyPeak = Math.max(ptyPeak, procMem(ptyPid)?.rssMB ?? 0);
  }, 200);
  onCleanup(() => clearInterval(sampler));

  let ended = false;
  let measuring = false;
  // `vigil run list` as a whole process, back to back while the agents print, from a driver
  // process of its own (spawning here would fork the host and stall the loop being measured).
  const cli = [];
  const cliErrors = [];
  const driver = spawn(process.execPath, [join(BENCH_DIR, 'lib', 'cli-loop.mjs'), 'run', 'list', '--data-dir', dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const driverDone = new Promise((resolve) => driver.once('exit', resolve));
  onCleanup(() => driver.kill('SIGKILL'));
  let pending = '';
  driver.stdout.on('data', (d) => {
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (ended || !measuring) continue;
      if (line.startsWith('error')) cliErrors.push(line);
      else cli.push(Number(line));
    }
  });

  const t0 = now();
  const runIds = [];
  for (const a of agents) runIds.push((await call('agents.wake', { agent: a.id })).runId);
  await Promise.all(runIds.map((id) => watch.waitStatus(id, (r) => r.status === 'running')));
  log(`${AGENTS} runs running after ${(now() - t0).toFixed(0)} ms; measuring the event loop and vigil run list while they print...`);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  measuring = true;
  const endings = runIds.map((id) => watch.waitEnded(id, 600_000));
  const all = Promise.all(endings).then((x) => ((ended = true), x));
  const results = await profiled('agents', () => all);
  driver.stdin.end();
  await driverDone;
  if (cliErrors.length) log(`vigil run list failed ${cliErrors.length} time(s): ${cliErrors[0]}`);
  h.disable();
  clearInterval(sampler);
  const p99 = h.percentile(99) / 1e6;
  const short = results.filter((e) => e.run.status !== 'succeeded' || e.run.logBytes !== logBytes);
  const lost = results.reduce((n, e) => n + Math.max(0, logBytes - e.run.logBytes), 0);
  const cliP90 = percentile(cli, 90);
  log(`host peak RSS ${hostPeak.toFixed(0)} MB, pty host ${ptyPeak.toFixed(0)} MB; event loop p99 ${p99.toFixed(1)} ms (max ${(h.max / 1e6).toFixed(0)} ms); vigil run list p50 ${percentile(cli, 50)?.toFixed(0)} ms, p90 ${cliP90?.toFixed(0)} ms over ${cli.length} calls; ${short.length} run(s) not byte-exact`);
  const what = `${AGENTS} agents printing ${RATE / KiB} KiB/s each for ${SECONDS} s`;
  return {
    notes: [`agents: ${what}: host peak RSS ${round(hostPeak, 0)} MB, pty host ${round(ptyPeak, 0)} MB; event loop p99 ${round(p99, 1)} ms; vigil run list p90 ${round(cliP90, 0)} ms (p50 ${round(percentile(cli, 50), 0)} ms, ${cli.length} calls); ${short.length} run(s) not byte-exact, ${lost} bytes lost`],
    metrics: [
      metric('agents_100_host_rss_mb', { value: round(hostPeak, 0), unit: 'MB', target: TARGETS.rssMB, ok: hostPeak <= TARGETS.rssMB, detail: `peak RSS of the host process (pty host ${round(ptyPeak, 0)} MB apart), ${what}` }),
      metric('agents_100_event_loop_p99_ms', { value: round(p99, 1), unit: 'ms', target: TARGETS.p99, ok: p99 <= TARGETS.p99, detail: `monitorEventLoopDelay p99 (10 ms resolution) from all running to all ended, ${what}` }),
      metric('agents_100_cli_p90_ms', { value: round(cliP90, 0), unit: 'ms', target: TARGETS.cliP90, ok: cliP90 <= TARGETS.cliP90, detail: `vigil run list (whole process, bin/vigil) p90 of ${cli.length} calls while they run` }),
      metric('agents_100_bytes_lost', { value: lost, unit: 'bytes', target: 0, ok: lost === 0 && short.length === 0, detail: short.length ? `${short.length} run(s) not byte-exact` : `all ${AGENTS} logs byte-exact (${logBytes} bytes each)` }),
    ],
    raw: { agents: AGENTS, rate: RATE, seconds: SECONDS, hostPeak, ptyPeak, p99, maxLoopMs: h.max / 1e6, cli, short: short.map((e) => ({ id: e.run.id, status: e.run.status, logBytes: e.run.logBytes })) },
  };
});
