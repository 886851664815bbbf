// `npm start` and `npm run dev` on a machine without the Electron binary: the real npm scripts in
// a child process. The download is pointed at loopback mirrors (one refusing, one that accepts
// and never answers), so the test never fetches the real binary even on a machine online.
// Every `npm` runs in a copy of the repository in a temp folder (node_modules linked): `npm start`
// builds `out/`, and building the repository's own `out/` would empty it under the test files
// running in parallel (the CLI and pty host bundles vanish for a moment, the database template
// for good).
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, ensureBuilt, ROOT } from '../helpers/serve';

const ELECTRON_DIR = join(ROOT, 'node_modules', 'electron');
const binaryInstalled = (() => {
  const pathFile = join(ELECTRON_DIR, 'path.txt');
  return existsSync(pathFile) && existsSync(join(ELECTRON_DIR, 'dist', readFileSync(pathFile, 'utf8').trim()));
})();

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The repository's own sources, scripts and configs, copied; its node_modules linked; no out/. */
const COPY = mkdtempSync(join(tmpdir(), 'vigil-npm-start-'));
const SKIP = new Set(['node_modules', 'out', 'dist', '.git', 'test-artifacts']);
cpSync(ROOT, COPY, { recursive: true, filter: (from) => from === ROOT || !SKIP.has(relative(ROOT, from)) });
symlinkSync(join(ROOT, 'node_modules'), join(COPY, 'node_modules'), 'dir');

/** What the repository's own out/ looks like: it must be the same after every test here. */
function builtFingerprint(): string {
  return ['main/cli.js', 'main/ptyhost.js', 'main/db-template.tar.gz', 'preload/index.cjs', 'renderer/index.html']
    .map((f) => {
      const path = join(ROOT, 'out', f);
      return existsSync(path) ? `${f} ${statSync(path).ino} ${statSync(path).mtimeMs}` : `${f} missing`;
    })
    .join('\n');
}
let builtBefore: string;
beforeAll(() => {
  ensureBuilt(); // fresh first, so no other test file rebuilds it while this one runs
  builtBefore = builtFingerprint();
}, 300_000);
afterAll(() => {
  rmSync(COPY, { recursive: true, force: true });
  expect(builtFingerprint(), "npm start rebuilt the repository's own out/ under the other tests").toBe(builtBefore);
});

/** Runs `npm <args>` in the copy; killed (and failed) if it has not ended in `limitMs`. */
function npm(args: string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<Ended> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn('npm', args, { cwd: COPY, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      fail(new Error(`npm ${args.join(' ')} still running after ${limitMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, limitMs);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe.skipIf(binaryInstalled)('npm start without the Electron binary', () => {
  let refusedPort: number;
  let silentPort: number;
  const silent = createServer((socket: Socket) => void sockets.push(socket));
  const sockets: Socket[] = [];
  let cache: string;

  beforeAll(async () => {
    const closed = createServer();
    refusedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    silentPort = await listen(silent);
    cache = mkdtempSync(join(tmpdir(), 'vigil-electron-cache-'));
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent.close();
    rmSync(cache, { recursive: true, force: true });
  });

  const offline = (port: number, extra: NodeJS.ProcessEnv = {}) => ({
    ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
    electron_config_cache: cache,
    ELECTRON_EXEC_PATH: '',
    ...extra,
  });

  function expectTheParagraph(result: Ended): void {
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toContain('Electron uninstall');
    expect(result.stderr).toMatch(/Vigil cannot start the desktop app: the Electron binary \(electron \d+\.\d+\.\d+ for \S+\) is not installed yet and downloading it from http:\/\/127\.0\.0\.1:\d+\/ failed/);
    expect(result.stderr).toContain('run `npm start` (or `npm run dev`) again');
    expect(result.stderr).toContain('ELECTRON_MIRROR');
    expect(result.stderr).toContain('bin/vigil serve');
    // electron-vite was never reached: nothing was built or launched.
    expect(result.stdout + result.stderr).not.toMatch(/building|starting electron app/i);
  }

  it('npm start: a refused download ends with the paragraph and a non-zero exit, within a minute', async () => {
    const result = await npm(['start'], offline(refusedPort), 60_000);
    expectTheParagraph(result);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
    console.log(`npm start without Electron, download refused: exit ${result.code} after ${result.ms} ms`);
  });

  it('shows the download progress, and a download that does not check out is refused, not launched', async () => {
    // A mirror that serves 2 MB of something that is not Electron's zip.
    const paths: string[] = [];
    const mirror = createHttpServer((req, res) => {
      paths.push(req.url ?? '');
      const body = Buffer.alloc(2_000_000, 7);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length });
      res.end(body);
    });
    const port = await listen(mirror as unknown as Server);
    try {
      const result = await npm(['start'], offline(port), 60_000);
      expect(paths).toEqual([expect.stringMatching(/\/v\d+\.\d+\.\d+\/electron-v\d+\.\d+\.\d+-linux-\w+\.zip$/)]);
      expect(result.stderr).toContain('Downloading the Electron binary');
      expect(result.stderr).toMatch(/100 % {2}2\.0 of 2\.0 MB/);
      expectTheParagraph(result);
      expect(result.stderr).toMatch(/checksum/i);
    } finally {
      mirror.close();
    }
  });

  it('npm run dev: a download that never answers is given up, not waited for', async () => {
    const result = await npm(['run', 'dev'], offline(silentPort, { VIGIL_ELECTRON_STALL_MS: '2000' }), 60_000);
    expectTheParagraph(result);
    expect(result.stderr).toContain('no data for 2 s');
    console.log(`npm run dev without Electron, silent mirror: exit ${result.code} after ${result.ms} ms`);
  });
});

describe('npm start with ELECTRON_EXEC_PATH', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-electron-stand-in-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('launches that executable on the built app', async () => {
    const argvFile = join(dir, 'argv.txt');
    const standIn = join(dir, 'electron');
    // Records where it ran and what it was given, like Electron would receive them.
    writeFileSync(standIn, `#!/bin/sh\nprintf '%s\\n' "$PWD" "$@" > '${argvFile}'\n`);
    chmodSync(standIn, 0o755);
    const result = await npm(['start'], { ELECTRON_EXEC_PATH: standIn }, 600_000);
    expect(result.code, result.stderr).toBe(0);
    const [cwd, ...argv] = readFileSync(argvFile, 'utf8').trimEnd().split('\n');
    expect(cwd).toBe(COPY);
    expect(argv).toEqual(['.']);
    // "." is the app whose package.json main electron-vite preview has just built.
    const main = (JSON.parse(readFileSync(join(COPY, 'package.json'), 'utf8')) as { main: string }).main;
    expect(main).toBe('out/main/index.js');
    expect(existsSync(join(COPY, main))).toBe(true);
    expect(existsSync(join(COPY, 'out', 'preload', 'index.cjs'))).toBe(true);
    expect(existsSync(join(COPY, 'out', 'renderer', 'index.html'))).toBe(true);
  }, 620_000);

  it('refuses an ELECTRON_EXEC_PATH that is not an executable', async () => {
    const result = await npm(['start'], { ELECTRON_EXEC_PATH: join(dir, 'missing') }, 60_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`ELECTRON_EXEC_PATH is set to ${join(dir, 'missing')}, which is not an executable file`);
    expect(result.stderr).toContain('bin/vigil serve');
  });
});
