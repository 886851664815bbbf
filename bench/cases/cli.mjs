// cli_ratio: the whole-process time of `vigil <verb>` (bin/vigil -> out/main/cli.js, as agents
// call it) over `node -e 0`, p50 of N runs each, interleaved so both see the same load. The
// read-only verbs talk to a real `vigil serve` on a fresh data folder (one agent, one issue, so
// the lists are not empty). One metric per verb and `cli_ratio` = the slowest verb's.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freshDataDir, log, metric, now, onCleanup, percentile, QUICK, ROOT, round, runCase } from '../lib/common.mjs';

const N = QUICK ? 15 : 40;
const TARGET = 1.5;
const VIGIL = join(ROOT, 'bin', 'vigil');
const VERBS = [['--version'], ['status'], ['run', 'list'], ['issue', 'list'], ['agent', 'list'], ['machine', 'list']];

/** Starts `vigil serve --json --port 0` on dataDir; resolves once it printed its ready document. */
function serve(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VIGIL, 'serve', '--json', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      try {
        resolve({ child, ready: JSON.parse(out) }); // one (pretty-printed) document
      } catch {}
    });
    child.on('exit', (code) => reject(new Error(`vigil serve exited with ${code}: ${err.slice(-500)}`)));
    onCleanup(
      () =>
        new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    );
  });
}

/** Wall time of one whole process, ms; throws when it fails. */
function timed(args) {
  const t = now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${(r.stderr || '').slice(0, 300)}`);
  return ms;
}

runCase('cli', async () => {
  const dataDir = await freshDataDir();
  const { ready } = await serve(dataDir);
  const vigil = (...args) => [VIGIL, ...args, ...(args[0] === '--version' ? [] : ['--data-dir', dataDir])];
  timed(vigil('agent', 'add', 'bench', '--adapter', 'process', '--command', 'true', '--interval', 'off'));
  timed(vigil('issue', 'create', 'a bench issue'));
  log(`vigil serve ready (${ready.database}); ${N} runs of node -e 0 and of each verb, interleaved...`);
  const base = [];
  const times = new Map(VERBS.map((v) => [v.join(' '), []]));
  for (let i = 0; i < N; i++) {
    base.push(timed(['-e', '0']));
    for (const v of VERBS) times.get(v.join(' ')).push(timed(vigil(...v)));
  }
  const nodeP50 = percentile(base, 50);
  const rows = VERBS.map((v) => {
    const name = v.join(' ');
    const p50 = percentile(times.get(name), 50);
    return { name, p50, p90: percentile(times.get(name), 90), ratio: p50 / nodeP50 };
  });
  for (const r of rows) log(`vigil ${r.name}: p50 ${r.p50.toFixed(0)} ms, p90 ${r.p90.toFixed(0)} ms, ${r.ratio.toFixed(2)}x node -e 0 (${nodeP50.toFixed(0)} ms)`);
  const worst = rows.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const slug = (name) => name.replace(/^--/, '').replace(/\W+/g, '_');
  return {
    notes: [`cli: node -e 0 p50 ${round(nodeP50, 0)} ms; ${rows.map((r) => `${r.name} ${round(r.p50, 0)} ms (${round(r.ratio, 2)}x)`).join(', ')}; N = ${N} each, interleaved`],
    metrics: [
      metric('cli_ratio', {
        value: round(worst.ratio, 2),
        unit: 'ratio',
        cmp: '<=',
        baseline: round(nodeP50, 1),
        ratio: round(worst.ratio, 2),
        target: TARGET,
        ok: worst.ratio <= TARGET,
        detail: `slowest read-only verb (vigil ${worst.name}, p50 ${round(worst.p50, 0)} ms) over node -e 0 (p50 ${round(nodeP50, 0)} ms), whole processes, N = ${N}`,
      }),
      ...rows.map((r) =>
        metric(`cli_ratio_${slug(r.name)}`, {
          value: round(r.ratio, 2),
          unit: 'ratio',
          cmp: '<=',
          baseline: round(nodeP50, 1),
          ratio: round(r.ratio, 2),
          target: TARGET,
          ok: r.ratio <= TARGET,
          detail: `vigil ${r.name}: p50 ${round(r.p50, 0)} ms, p90 ${round(r.p90, 0)} ms`,
        }),
      ),
    ],
    raw: { nodeMs: base, verbs: Object.fromEntries(times) },
  };
});
