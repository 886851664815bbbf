#!/usr/bin/env node
// Runs before `npm start` and `npm run dev`: makes sure the Electron binary is there before
// electron-vite launches it. Its binary may be missing (ELECTRON_SKIP_BINARY_DOWNLOAD, an offline install); it downloads lazily
// when `require('electron')` runs, and electron-vite never requires it (it only reads
// node_modules/electron/path.txt, which that download writes), so a fresh clone would end in
// electron-vite's bare "Electron uninstall". Here the download happens once, with its progress,
// through Electron's own @electron/get (so ELECTRON_MIRROR, ELECTRON_GET_USE_PROXY and the
// cache work as Electron documents them) and Electron's own install.js (which unpacks it and
// writes path.txt). When it cannot be had, one paragraph says why and what to do; exit 1.
//
// ELECTRON_EXEC_PATH (honoured by electron-vite) skips all of this: that executable is launched.
// VIGIL_ELECTRON_STALL_MS: give up after this long without a byte (default 30 s).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
/* global AbortController */

const require = createRequire(import.meta.url);
const STALL_MS = Number(process.env.VIGIL_ELECTRON_STALL_MS) || 30_000;

const electronDir = dirname(require.resolve('electron/package.json'));
const { version } = require('electron/package.json');
const platform = process.env.ELECTRON_INSTALL_PLATFORM || process.env.npm_config_platform || process.platform;
const arch = process.env.ELECTRON_INSTALL_ARCH || process.env.npm_config_arch || process.arch;
const what = `the Electron binary (electron ${version} for ${platform}-${arch})`;

/** The executable Electron's own index.js would run, when path.txt and the file are there. */
function installedBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function fail(paragraph) {
  process.stderr.write(`\n${paragraph}\n\n`);
  process.exit(1);
}

const meanwhile = 'Meanwhile `npm run build && bin/vigil serve` gives you the same app in a browser.';

function failDownload(reason) {
  const mirror = process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror;
  fail(
    `Vigil cannot start the desktop app: ${what} is not installed yet and downloading it ` +
      `from ${mirror ?? 'github.com'} failed (${reason}). ` +
      'To retry, run `npm start` (or `npm run dev`) again once you are online. Behind a proxy, set HTTPS_PROXY ' +
      'and ELECTRON_GET_USE_PROXY=true; or point ELECTRON_MIRROR at a mirror you can reach ' +
      '(e.g. ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/). ' +
      meanwhile,
  );
}

function describe(err) {
  const cause = err?.cause;
  const detail = cause ? cause.code ?? cause.message : null;
  const host = cause?.hostname ? ` ${cause.hostname}` : '';
  const message = String(err?.message ?? err).split('\n')[0].replace(/\.$/, '');
  return `${message}${detail ? `: ${detail}${host}` : ''}`;
}

/** One line of progress: rewritten in place on a terminal, every 10 % otherwise. */
function progressPrinter() {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return ({ transferred, total }) => {
    const mb = (n) => (n / 1e6).toFixed(1);
    if (!total) {
      if (tty) process.stderr.write(`\r  ${mb(transferred)} MB`);
      return;
    }
    const percent = Math.floor((transferred / total) * 100);
    if (tty) process.stderr.write(`\r  ${String(percent).padStart(3)} %  ${mb(transferred)} of ${mb(total)} MB`);
    else if (Math.floor(percent / 10) > lastTenth) {
      lastTenth = Math.floor(percent / 10);
      process.stderr.write(`  ${percent} %  ${mb(transferred)} of ${mb(total)} MB\n`);
    }
  };
}

async function download() {
  const { downloadArtifact } = await import(pathToFileURL(require.resolve('@electron/get', { paths: [electronDir] })).href);
  const abort = new AbortController();
  let stalled = null;
  const watchdog = () => {
    clearTimeout(stalled);
    stalled = setTimeout(() => abort.abort(new Error(`no data for ${Math.round(STALL_MS / 1000)} s`)), STALL_MS);
  };
  const show = progressPrinter();
  watchdog();
  process.stderr.write(`Downloading ${what}, once (about 100 MB)...\n`);
  try {
    // Same details as Electron's install.js, so its cache lookup finds what this put there.
    await downloadArtifact({
      version,
      artifactName: 'electron',
      platform,
      arch,
      force: process.env.force_no_cache === 'true',
      cacheRoot: process.env.electron_config_cache,
      checksums:
        process.env.electron_use_remote_checksums || process.env.npm_config_electron_use_remote_checksums ? undefined : require(join(electronDir, 'checksums.json')),
      downloadOptions: {
        quiet: true,
        signal: abort.signal,
        getProgressCallback: (progress) => {
          watchdog();
          show(progress);
        },
      },
    });
  } catch (err) {
    failDownload(abort.signal.aborted ? describe(abort.signal.reason) : describe(err));
  } finally {
    clearTimeout(stalled);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
  // Unpacks from the cache into node_modules/electron/dist and writes path.txt.
  const unpack = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (unpack.status !== 0 || !installedBinary()) {
    fail(
      `Vigil cannot start the desktop app: ${what} was downloaded but could not be unpacked into ${join(electronDir, 'dist')} ` +
        `(install.js exited ${unpack.status ?? unpack.signal}). Delete that folder and run \`npm start\` again. ${meanwhile}`,
    );
  }
}

const override = process.env.ELECTRON_EXEC_PATH;
if (override) {
  if (!isExecutableFile(override)) {
    fail(`Vigil cannot start the desktop app: ELECTRON_EXEC_PATH is set to ${override}, which is not an executable file. Unset it to use ${what}, or point it at an Electron executable. ${meanwhile}`);
  }
} else if (!installedBinary()) {
  await download();
  process.stderr.write(`Electron ${version} is installed: ${installedBinary()}\n`);
}
