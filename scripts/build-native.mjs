// Builds the small native addons in native/ with the node-gyp npm ships (run by `npm ci` /
// `npm install` as postinstall, or `npm run build:native`). Never fails the install: without an
// addon the host falls back to what it did before (native/peercred: src/main/transports/
// peer-process.ts; native/malloc-trim: src/main/memory-trim.ts, an idle host then keeps the C
// heap's free pages).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Each addon, and what the host does without it. */
const ADDONS = [
  { name: 'peercred', without: 'the host will look peers up with `ss` instead' },
  { name: 'malloc-trim', without: "an idle host will keep the C heap's free pages" },
];

if (process.platform !== 'linux') {
  console.log('native/: not Linux, nothing to build (SO_PEERCRED and malloc_trim are Linux/glibc calls)');
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
  for (const a of ADDONS) console.warn(`native/${a.name}: node-gyp not found; ${a.without}`);
  process.exit(0);
}
for (const a of ADDONS) {
  // Quiet when it works (`npm ci` prints nothing of it); its whole output when it does not.
  const result = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: join(root, 'native', a.name), stdio: ['ignore', 'pipe', 'pipe'], env: process.env, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`);
    console.warn(`native/${a.name}: the build failed (see above); ${a.without}`);
  }
}
process.exit(0);
