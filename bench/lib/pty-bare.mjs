// The physical limit: a bare node-pty (its public API, Buffers, no processing) reading the same
// command Vigil runs, in the same process.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { now, ROOT } from './common.mjs';

const require = createRequire(join(ROOT, 'package.json'));
export const pty = require('node-pty');

/** Runs `/bin/sh -c command` in a bare pty; resolves at its exit with { ms, bytes, spawnMs, pid }. */
export function barePtyRun(command, { cwd = process.cwd(), cols = 160, rows = 48 } = {}) {
  return new Promise((resolve) => {
    const t0 = now();
    const p = pty.spawn('/bin/sh', ['-c', command], { name: 'xterm-256color', cols, rows, cwd, env: process.env, encoding: null });
    const spawnMs = now() - t0;
    let bytes = 0;
    p.onData((d) => {
      bytes += d.length;
    });
    p.onExit(() => resolve({ ms: now() - t0, bytes, spawnMs, pid: p.pid }));
  });
}
