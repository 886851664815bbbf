// Real `vigil` processes for end-to-end tests: exactly what `bin/vigil` runs, on a temp data dir.
//
//   import { ensureBuilt, startServe, tempDataDir, vigil } from './helpers/serve';
//
//   beforeAll(() => ensureBuilt(), 300_000);     // builds out/ only if it is missing or stale
//   const data = tempDataDir();                   // { dir, cleanup() }
//   const served = await startServe({ dataDir: data.dir });   // waits for "Vigil ready:"
//   served.url / baseUrl / port / token / socketPath / pid / dataDir
//   const r = await vigil(['agent', 'list', '--json'], { dataDir: data.dir });  // { code, stdout, stderr }
//   const agents = await vigilJson<AgentDto[]>(data.dir, 'agent', 'list');     // parsed; throws unless exit 0
//   await served.stop();      // SIGTERM, resolves { code, signal } once it exited (expect code 0)
//   await served.kill();      // SIGKILL of the host and its pty host together: a crash of everything
//   await served.killHostOnly();  // SIGKILL of the host's process group only (needs detached: true); agents live on
//   data.cleanup();
//
// `startServe` passes `--port 0` (a free port) unless `args` holds a --port. Children get a clean
// environment: no VIGIL_HOME, VIGIL_RUN_TOKEN or DATABASE_URL from the test runner (pass them in
// `env` to use them). Start-up (PGlite creation and migrations) can take many seconds on a
// loaded machine: give the hook that starts it a generous timeout (READY_TIMEOUT_MS + margin).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { connect } from '../../src/cli/client';
import type { CallInput, CallName, CallOutput } from '../../src/shared/contract';
import { ptyHostIdentityPathOf } from '../../src/node/paths';
import { isSameProcess } from '../../src/node/process/identity';
import { readLock } from '../../src/node/process/lock-file';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const VIGIL_BIN = join(ROOT, 'bin', 'vigil');
export const CLI_BUNDLE = join(ROOT, 'out', 'main', 'cli.js');
export const READY_TIMEOUT_MS = 120_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Served {
  /** The printed address, token in the fragment: http://127.0.0.1:PORT/#token=TOKEN */
  url: string;
  /** http://127.0.0.1:PORT/ */
  baseUrl: string;
  port: number;
  token: string;
  dataDir: string;
  socketPath: string;
  pid: number;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): { stdout: string; stderr: string };
  exited: Promise<Exit>;
  /** SIGTERM (or `signal`), then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGKILL of the host and of its pty host (agents die with their terminals), then waits for the exit. */
  kill(): Promise<Exit>;
  /** SIGKILL of the host alone (of its process group when started detached), then waits for the exit. */
  killHostOnly(): Promise<Exit>;
}

/** SIGKILLs the data folder's pty host, if one runs (identity-checked). Returns its pid. */
export function killPtyHost(dataDir: string): number | null {
  const owner = readLock(ptyHostIdentityPathOf(dataDir));
  if (!owner || !isSameProcess(owner.pid, owner.startId)) return null;
  process.kill(owner.pid, 'SIGKILL');
  return owner.pid;
}

export interface ServeOptions {
  dataDir: string;
  /** Extra `vigil serve` arguments (--max-concurrent 2, --port N...). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Start it as the leader of a process group of its own, so a test can kill that group alone. */
  detached?: boolean;
}

export function tempDataDir(prefix = 'vigil-e2e-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** For tests that start a serve of their own: after each test, the serve in `served` is stopped and the folder in `data` removed. */
export function servePerTest(): { served: Served | null; data: ReturnType<typeof tempDataDir> | null } {
  const slot: { served: Served | null; data: ReturnType<typeof tempDataDir> | null } = { served: null, data: null };
  afterEach(async () => {
    await slot.served?.stop();
    slot.served = null;
    slot.data?.cleanup();
  });
  return slot;
}

/** The environment of a child `vigil`: the runner's, minus anything that would redirect it. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.VIGIL_HOME;
  delete env.VIGIL_RUN_TOKEN;
  delete env.DATABASE_URL;
  return { ...env, ...extra };
}

export function startServe(opts: ServeOptions): Promise<Served> {
  const args = ['serve', '--data-dir', opts.dataDir, ...(opts.args ?? [])];
  if (!args.includes('--port')) args.push('--port', '0');
  const proc = spawn(process.execPath, [VIGIL_BIN, ...args], { cwd: ROOT, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<Exit>((done) => proc.once('exit', (code, signal) => done({ code, signal })));
  const output = () => ({ stdout, stderr });

  return new Promise<Served>((ready, fail) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`vigil serve was not ready after ${opts.readyTimeoutMs ?? READY_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
    void exited.then((exit) => {
      clearTimeout(timer);
      fail(new Error(`vigil serve exited (${exit.code ?? exit.signal}) before it was ready\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    proc.stdout!.on('data', () => {
      const match = /Vigil ready: ((http:\/\/[^/\s]+:(\d+)\/)#token=([A-Za-z0-9_-]+))\n/.exec(stdout);
      const socket = /socket:\s+(\S.*)\n/.exec(stdout);
      // The ready lines may arrive in separate chunks: ready means all of them are in.
      if (!match || !socket || !/data dir:\s+\S.*\n/.test(stdout)) return;
      clearTimeout(timer);
      const waitExit = async (signal: NodeJS.Signals) => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        return exited;
      };
      ready({
        url: match[1],
        baseUrl: match[2],
        port: Number(match[3]),
        token: match[4],
        dataDir: opts.dataDir,
        socketPath: socket[1].trim(),
        pid: proc.pid!,
        proc,
        output,
        exited,
        stop: (signal = 'SIGTERM') => waitExit(signal),
        kill: () => {
          // The host first, so it never sees its pty host go.
          const exit = waitExit('SIGKILL');
          killPtyHost(opts.dataDir);
          return exit;
        },
        killHostOnly: async () => {
          if (opts.detached && proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, 'SIGKILL');
          return waitExit('SIGKILL');
        },
      });
    });
  });
}

/** One call over a serve's control socket. */
export async function callServed<N extends CallName>(served: Served, method: N, params: CallInput<N>): Promise<CallOutput<N>> {
  const client = await connect(served.socketPath);
  try {
    return await client.call(method, params);
  } finally {
    client.close();
  }
}

/** Runs `bin/vigil ARGS --data-dir DIR` once (with `input` on its stdin, if given) and collects its output. */
export function vigil(args: string[], opts: { dataDir?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const full = opts.dataDir === undefined ? args : ['--data-dir', opts.dataDir, ...args];
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, [VIGIL_BIN, ...full], { cwd: ROOT, env: childEnv(opts.env), stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    proc.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    proc.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    proc.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    proc.once('error', fail);
    proc.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** `bin/vigil --json ARGS --data-dir DIR`: its parsed answer; a failing command throws, naming itself and its stderr. */
export async function vigilJson<T = any>(dataDir: string, ...args: string[]): Promise<T> {
  const r = await vigil(['--json', ...args], { dataDir });
  if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/**
 * Builds out/ (`npm run build`: the bundles and the database template) when out/main/cli.js is missing or older than any source,
 * so the tests exercise what bin/vigil runs. `npm test` builds first, which makes this a no-op.
 * A lock folder keeps parallel test files from building at once.
 */
export function ensureBuilt(): void {
  const sources = () => Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'electron.vite.config.ts')), newestMtime(join(ROOT, 'package.json')));
  const fresh = () => existsSync(CLI_BUNDLE) && statSync(CLI_BUNDLE).mtimeMs >= sources();
  if (fresh()) return;
  const lock = join(tmpdir(), `vigil-build-lock-${Buffer.from(ROOT).toString('hex').slice(-32)}`);
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else builds; a lock older than 10 minutes is a crashed builder's.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmdirSync(lock);
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (fresh()) return;
    const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', env: childEnv() });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}
