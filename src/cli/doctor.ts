// `vigil doctor`: what Vigil needs from this machine, checked without a running host. Each
// finding says what was found and, when something is wrong, the fix. `fail` means Vigil cannot
// run as things are; `warn` means something a user will likely miss (an agent CLI, the desktop
// app's binary) while Vigil itself runs.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inspectDataDirLock } from '../main/db/lock';
import { controlSocketPath, logsDirOf } from '../node/paths';
import { findAgentClis, findOnPath } from '../main/setup/agent-clis';
import { connect } from './client';
import { checkDatabaseFolder } from './doctor-database';
import { detectContainment, type ContainmentProbe } from '../node/process/containment';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Stable name for scripts: node-pty, data-folder, disk, cli:claude, cli:codex, git, database, electron, lock, containment. */
  id: string;
  status: FindingStatus;
  title: string;
  /** What was found. */
  detail: string;
  /** What to do about it; null when nothing needs doing. */
  fix: string | null;
}

export interface DoctorOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The installation's root (where package.json and node_modules are), for the Electron check. */
  installRoot: string;
  timeoutMs?: number;
  /** Where run containment is looked for (default: this process's /proc and PATH from env). */
  containmentProbe?: Partial<ContainmentProbe>;
}

const DISK_FAIL_BYTES = 100 * 1024 * 1024;
const DISK_WARN_BYTES = 1024 * 1024 * 1024;
const TIMEOUT_MS = 5000;

const ok = (id: string, title: string, detail: string): Finding => ({ id, status: 'ok', title, detail, fix: null });
const warn = (id: string, title: string, detail: string, fix: string): Finding => ({ id, status: 'warn', title, detail, fix });
const fail = (id: string, title: string, detail: string, fix: string): Finding => ({ id, status: 'fail', title, detail, fix });

export async function runDoctor(opts: DoctorOptions): Promise<Finding[]> {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const [pty, clis, git, database, lock] = await Promise.all([
    checkNodePty(timeoutMs),
    checkAgentClis(opts.env, timeoutMs),
    checkGit(opts.env, timeoutMs),
    checkDatabase(opts.env.DATABASE_URL, timeoutMs, opts.dataDir),
    checkLock(opts.dataDir, timeoutMs),
  ]);
  return [pty, ...checkDataFolder(opts.dataDir), checkDisk(opts.dataDir), ...clis, git, database, checkElectron(opts.installRoot, opts.env), lock, checkContainment(opts.dataDir, { path: opts.env.PATH, ...opts.containmentProbe })];
}

/** Whether a run's processes can be kept in a cgroup (informational: Vigil runs either way). */
function checkContainment(dataDir: string, probe: Partial<ContainmentProbe>): Finding {
  return ok('containment', 'run containment', detectContainment(dataDir, probe).said.replace(/^Run containment: /, ''));
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** node-pty must load (its native addon) and run a process in a pty: every run needs it. */
async function checkNodePty(timeoutMs: number): Promise<Finding> {
  const title = 'node-pty';
  const fix = 'Rebuild it: `npm rebuild node-pty` (needs python3, make and a C++ compiler); for the desktop app `npm run rebuild:electron`.';
  try {
    const pty = await import('node-pty');
    const code = await withTimeout(
      new Promise<number>((resolve) => {
        const child = pty.spawn('/bin/sh', ['-c', 'exit 7'], { cols: 80, rows: 24 });
        child.onExit(({ exitCode }) => resolve(exitCode));
      }),
      timeoutMs,
      'a process in a pty',
    );
    if (code !== 7) return fail('node-pty', title, `loads, but a process in a pty reported exit ${code} instead of 7`, fix);
    return ok('node-pty', title, 'loads and runs a process in a pty');
  } catch (err) {
    return fail('node-pty', title, `cannot run a process in a pty: ${describe(err)}`, fix);
  }
}

/** The data folder holds the database, logs with agents' output, the lock and the socket: the user's only. */
function checkDataFolder(dataDir: string): Finding[] {
  const title = 'data folder';
  const uid = process.getuid?.();
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(dataDir);
  } catch {
    const parent = nearestExisting(dataDir);
    try {
      accessSync(parent, constants.W_OK | constants.X_OK);
      return [
        ok('data-folder', title, `${dataDir} does not exist yet: Vigil creates it (private, 0700) when it first starts`),
        ok('data-files', 'data files', 'none yet'),
      ];
    } catch {
      return [fail('data-folder', title, `${dataDir} does not exist and cannot be created: ${parent} is not writable by you`, `Choose a folder you own: --data-dir DIR or VIGIL_HOME=DIR.`)];
    }
  }
  if (!info.isDirectory()) return [fail('data-folder', title, `${dataDir} is not a folder`, 'Move that file away, or choose another folder with --data-dir DIR.')];
  const findings: Finding[] = [];
  const mode = info.mode & 0o777;
  if (uid !== undefined && info.uid !== uid) {
    findings.push(fail('data-folder', title, `${dataDir} belongs to user id ${info.uid}, not to you (${uid})`, `Use your own folder (--data-dir DIR), or take it over: chown -R $(id -u) ${quote(dataDir)}`));
  } else if (mode & 0o077) {
    findings.push(
      fail('data-folder', title, `${dataDir} is open to other users (mode ${octal(mode)}): its logs hold your agents' output and its socket controls Vigil`, `chmod 700 ${quote(dataDir)}`),
    );
  } else {
    findings.push(writableProbe(dataDir) ?? ok('data-folder', title, `${dataDir} is private (${octal(mode)}) and writable`));
  }
  const open = filesOpenToOthers(dataDir);
  if (open.length > 0) {
    const shown = open.slice(0, 3).map((f) => `${f.path} (${octal(f.mode)})`).join(', ');
    const more = open.length > 3 ? ` and ${open.length - 3} more` : '';
    // Behind a private folder nobody else can reach them; in an open one they are exposed.
    findings.push((mode & 0o077 ? fail : warn)('data-files', 'data files', `readable by other users: ${shown}${more}`, `chmod -R go-rwx ${quote(dataDir)}`));
  } else {
    findings.push(ok('data-files', 'data files', 'the lock, socket and run logs are readable by you only'));
  }
  return findings;
}

function writableProbe(dataDir: string): Finding | null {
  const probe = join(dataDir, `.doctor-${process.pid}.tmp`);
  try {
    writeFileSync(probe, 'probe', { mode: 0o600 });
    rmSync(probe, { force: true });
    return null;
  } catch (err) {
    return fail('data-folder', 'data folder', `${dataDir} is not writable: ${describe(err)}`, `Make it writable by you (chmod u+rwx ${quote(dataDir)}), or choose another folder with --data-dir DIR.`);
  }
}

/** Files Vigil writes (top level and run logs) that group or others may read or write. */
function filesOpenToOthers(dataDir: string): { path: string; mode: number }[] {
  const open: { path: string; mode: number }[] = [];
  for (const dir of [dataDir, logsDirOf(dataDir)]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // the folder check above reports a missing or unreadable folder
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const info = statSync(path);
        if (!info.isDirectory() && info.mode & 0o077) open.push({ path, mode: info.mode & 0o777 });
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return open;
}

function checkDisk(dataDir: string): Finding {
  const title = 'free disk';
  const where = nearestExisting(dataDir);
  try {
    const fs = statfsSync(where);
    const free = Number(fs.bavail) * Number(fs.bsize);
    const text = `${formatBytes(free)} free on the disk of ${where}`;
    const fix = 'Free some space: Vigil stops a run whose log cannot be written, and the database needs room to grow (vigil serve --keep-logs N keeps fewer logs).';
    if (free < DISK_FAIL_BYTES) return fail('disk', title, text, fix);
    if (free < DISK_WARN_BYTES) return warn('disk', title, text, fix);
    return ok('disk', title, text);
  } catch (err) {
    return warn('disk', title, `could not tell the free space of ${where}: ${describe(err)}`, 'Check it with `df -h`.');
  }
}

async function checkAgentClis(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finding[]> {
  const clis = await findAgentClis(env, timeoutMs);
  const found = clis.filter((cli) => cli.path);
  const missing = clis.filter((cli) => !cli.path);
  const findings = found.map((cli) => {
    const id = `cli:${cli.command}`;
    if (cli.problem) return warn(id, cli.label, `${cli.path}: ${cli.problem}`, `Run \`${cli.command} ${cli.versionArgs.join(' ')}\` in a terminal and fix what it says (often a login or an update).`);
    return ok(id, cli.label, `${cli.version} (${cli.path})`);
  });
  const names = missing.map((cli) => `\`${cli.command}\``).join(', ');
  // One agent CLI is all Vigil needs: the others not being installed is said, not warned about.
  if (found.length > 0) {
    if (missing.length > 0) findings.push(ok('cli:others', 'other agent CLIs', `not on PATH: ${names} (vigil agent add --help lists them)`));
    return findings;
  }
  const installs = missing.map((cli) => `${cli.label}: \`${cli.install}\``).join('; ');
  return [warn('cli:none', 'agent CLIs', `no agent CLI on PATH (looked for ${names}): only \`process\` agents can run`, `Install one, then log in once in a terminal. ${installs}.`)];
}

async function checkGit(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finding> {
  const path = findOnPath('git', env.PATH);
  const fix = 'Install git (e.g. `sudo apt install git`, `xcode-select --install`): agents work in git repositories and their changes are reviewed as diffs.';
  if (!path) return warn('git', 'git', '`git` is not on PATH', fix);
  const version = await new Promise<string | null>((resolve) =>
    execFile(path, ['--version'], { timeout: timeoutMs, killSignal: 'SIGKILL', env }, (err, stdout) => resolve(err ? null : stdout.trim().split('\n')[0])),
  );
  return version ? ok('git', 'git', `${version} (${path})`) : warn('git', 'git', `${path} did not answer \`--version\``, fix);
}

async function checkDatabase(url: string | undefined, timeoutMs: number, dataDir: string): Promise<Finding> {
  const title = 'database';
  if (!url) {
    // The deep check: every table read through in a copy, compared with the last clean stop's counts.
    const verdict = await checkDatabaseFolder(dataDir);
    const detail = `PGlite in the data folder (DATABASE_URL is not set): ${verdict.detail}`;
    return verdict.status === 'ok' ? ok('database', title, detail) : fail('database', title, detail, verdict.fix ?? '');
  }
  const shown = withoutPassword(url);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), timeoutMs + 1000, `the PostgreSQL server at ${shown}`);
    const { rows } = await client.query<{ version: string }>('show server_version');
    return ok('database', title, `PostgreSQL ${rows[0]?.version ?? '?'} at ${shown} answers`);
  } catch (err) {
    return fail(
      'database',
      title,
      `DATABASE_URL (${shown}) is not reachable: ${describe(err)}`,
      'Start that PostgreSQL server or fix DATABASE_URL (host, port, user, password, database); unset it to use the embedded PGlite database.',
    );
  } finally {
    void client.end().catch(() => undefined); // the check's answer is in: a failed goodbye changes nothing
  }
}

/** The desktop app's binary; the CLI and `vigil serve` run without it. */
function checkElectron(installRoot: string, env: NodeJS.ProcessEnv): Finding {
  const title = 'Electron (desktop app)';
  if (process.versions.electron) return ok('electron', title, `running inside the desktop app (Electron ${process.versions.electron})`);
  const override = env.ELECTRON_EXEC_PATH;
  if (override) {
    return isExecutable(override)
      ? ok('electron', title, `ELECTRON_EXEC_PATH: ${override}`)
      : warn('electron', title, `ELECTRON_EXEC_PATH is set to ${override}, which is not an executable file`, 'Unset ELECTRON_EXEC_PATH, or point it at an Electron executable.');
  }
  let electronDir: string;
  try {
    electronDir = dirname(createRequire(join(installRoot, 'package.json')).resolve('electron/package.json'));
  } catch {
    return warn('electron', title, 'the electron package is not installed here', 'Run `npm ci` in the Vigil checkout; meanwhile `vigil serve` gives the same app in a browser.');
  }
  const pathFile = join(electronDir, 'path.txt');
  const binary = existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
  if (binary && existsSync(binary)) return ok('electron', title, binary);
  return warn(
    'electron',
    title,
    'the Electron binary is not downloaded yet: `npm start` cannot open the desktop app until it is',
    '`npm start` downloads it once (needs network; ELECTRON_MIRROR for a mirror); meanwhile `vigil serve` gives the same app in a browser.',
  );
}

/** Another Vigil on this folder: fine if it answers (the CLI talks to it), blocking if it hangs. */
async function checkLock(dataDir: string, timeoutMs: number): Promise<Finding> {
  const title = 'folder lock';
  const lock = inspectDataDirLock(dataDir);
  if (lock.state === 'free') return ok('lock', title, 'no Vigil runs on this folder');
  if (lock.state === 'stale') return ok('lock', title, lock.pid ? `a stale lock of pid ${lock.pid} (that process is gone): the next start takes it over` : 'an unreadable lock file (no owner in it): the next start takes it over');
  try {
    const client = await withTimeout(connect(controlSocketPath(dataDir)), timeoutMs, 'the control socket');
    try {
      await withTimeout(client.call('host.status', {}), timeoutMs, 'the control socket');
    } finally {
      client.close();
    }
    return ok('lock', title, `Vigil (pid ${lock.pid}) runs on this folder and answers: \`vigil\` commands talk to it; a second start would be refused`);
  } catch (err) {
    return fail(
      'lock',
      title,
      `Vigil (pid ${lock.pid}, since ${lock.since}) owns this folder but does not answer on its control socket (${describe(err)})`,
      `Quit that Vigil (or \`kill ${lock.pid}\`), or use another folder with --data-dir DIR.`,
    );
  }
}

function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.round(n / 1024 ** 2)} MiB`;
}

function quote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
