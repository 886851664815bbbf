// The benchmarks measure the product as shipped: the built bundle out/main/host.js. It is built
// (electron-vite build and the database template, as `npm run build` does) when missing or older
// than the sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './common.mjs';

const SOURCES = ['src/main', 'src/shared', 'src/cli', 'electron.vite.config.ts', 'package-lock.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Returns why a build is needed, or null when out/main/host.js is current. */
export function staleReason() {
  const bundle = join(ROOT, 'out', 'main', 'host.js');
  if (!existsSync(bundle)) return 'out/main/host.js is missing';
  const built = statSync(bundle).mtimeMs;
  const changed = SOURCES.find((p) => newestMtime(join(ROOT, p)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

export function ensureBuilt({ force = false } = {}) {
  const why = force ? 'asked to' : staleReason();
  if (!why) return false;
  process.stderr.write(`building (${why}): electron-vite build, then the database template\n`);
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'make-db-template.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (err) {
    // A tree that does not build right now (work in progress) still has its last bundle to measure.
    if (!existsSync(join(ROOT, 'out', 'main', 'host.js'))) throw err;
    process.stderr.write('the build failed: measuring the existing out/main/host.js\n');
    return false;
  }
  return true;
}
