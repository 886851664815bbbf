// Runs one `vigil` command again and again, each a whole process, and prints each one's wall
// time (ms) on a line, until stdin closes. A process of its own: spawning from the host's
// process would fork the host and stall its event loop (the figure the agents case measures).
// Usage: node cli-loop.mjs <vigil args...>
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT } from './common.mjs';

const args = process.argv.slice(2);
let open = true;
process.stdin.on('end', () => (open = false)).resume();
process.stdin.on('close', () => (open = false));
const once = () => {
  if (!open) return process.exit(0);
  const t = performance.now();
  try {
    execFileSync(process.execPath, [join(ROOT, 'bin', 'vigil'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 << 20 });
    process.stdout.write(`${(performance.now() - t).toFixed(2)}\n`);
  } catch (err) {
    process.stdout.write(`error ${String(err.stderr ?? err.message).split('\n')[0]}\n`);
  }
  setImmediate(once); // lets the stdin 'end' arrive between calls
};
once();
