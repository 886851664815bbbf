// Builds the small native addon(s) in native/ with the node-gyp npm ships (run by `npm ci` /
// `npm install` as postinstall, or `npm run build:native`). Never fails the install: without the
// addon the host falls back to what it did before (see src/main/transports/peer-process.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'native', 'peercred');

if (process.platform !== 'linux') {
  console.log('native/peercred: not Linux, nothing to build (SO_PEERCRED is read on Linux only)');
  process.exit(0);
}

/** node-gyp as npm runs it for node-pty: npm tells its path to lifecycle scripts; else next to npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

const gyp = nodeGyp();
if (!gyp) {
  console.warn('native/peercred: node-gyp not found; the host will look peers up with `ss` instead');
  process.exit(0);
}
// Quiet when it works (`npm ci` prints nothing of it); its whole output when it does not.
const result = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: addon, stdio: ['ignore', 'pipe', 'pipe'], env: process.env, encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`);
  console.warn('native/peercred: the build failed (see above); the host will look peers up with `ss` instead');
}
process.exit(0);
