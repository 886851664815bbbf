// The C capture baseline (bench/native/pty-read.c): built once per source change into
// bench/.cache with `cc` (the toolchain node-pty builds with), run as a process of its own.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, CACHE_DIR } from './common.mjs';

/** Path of the built reader (builds it when missing or its source changed). */
export function cReader() {
  const src = join(BENCH_DIR, 'native', 'pty-read.c');
  const key = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const bin = join(CACHE_DIR, `pty-read-${key}`);
  if (!existsSync(bin)) execFileSync(process.env.CC || 'cc', ['-O2', '-o', bin, src, '-lutil'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return bin;
}

/** Runs `/bin/sh -c command` under the C reader; resolves with { bytes, ms, cpuMs }. */
export function cPtyRun(command, { cwd = process.cwd() } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cReader(), [command], { cwd, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}
