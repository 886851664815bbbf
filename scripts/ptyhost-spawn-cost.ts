// How long a spawn takes from a process the size of the host (its resident memory is mostly
// PGlite's WebAssembly heap) against one from the pty host. Prints medians; asserts nothing.
// (The benchmark harness in bench/ is the perf helper's; this is the pty host's own figure.)
//   npx electron-vite build && node --import tsx scripts/ptyhost-spawn-cost.ts [--fat-mb 350] [--n 40]
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnInPty } from '../src/node/process/pty';
import { connectOrStartPtyHost } from '../src/main/ptyhost/launch';

const { values } = parseArgs({ options: { 'fat-mb': { type: 'string', default: '350' }, n: { type: 'string', default: '40' } } });
const fatMb = Number(values['fat-mb']);
const n = Number(values.n);
const rss = (pid: number | 'self') => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function localForks(label: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const proc = spawnInPty({ file: '/bin/true', args: [], cwd: tmpdir(), env });
    times.push(performance.now() - t0);
    await new Promise<void>((resolve) => proc.onExit(() => resolve()));
  }
  const m = median(times);
  console.log(`${label}: rss ${rss('self').toFixed(0)} MB, fork in a pty median ${m.toFixed(2)} ms (n=${n})`);
  return m;
}

const lean = await localForks('lean process');
// Like PGlite: a WebAssembly heap, every page touched so it is resident.
const memory = new WebAssembly.Memory({ initial: (fatMb << 20) >> 16 });
new Uint8Array(memory.buffer).fill(1);
const fat = await localForks('host-sized process');

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-spawn-cost-'));
const client = await connectOrStartPtyHost(dataDir, { runtime: process.execPath, script: join(import.meta.dirname, '../out/main/ptyhost.js'), idleMs: 500 });
const times: number[] = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const h = await client.spawn({ session: `s${i}`, file: '/bin/true', args: [], cwd: tmpdir(), env, secrets: [] });
  times.push(performance.now() - t0);
  await new Promise<void>((resolve) => h.onExit(() => resolve()));
  h.acknowledge();
}
const via = median(times);
console.log(`through the pty host (rss ${rss(client.ptyHostPid).toFixed(0)} MB), from the host-sized process: spawn request -> answer median ${via.toFixed(2)} ms (n=${n})`);
console.log(JSON.stringify({ leanForkMs: lean, hostSizedForkMs: fat, viaPtyHostMs: via, hostRssMb: rss('self'), ptyHostRssMb: rss(client.ptyHostPid) }));
client.close();
void memory;
setTimeout(() => {
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}, 1000);
