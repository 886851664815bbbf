// Opens a PGlite folder in a short-lived child process: WAL replay after a crash is where PGlite
// aborts when it does, and a child's abort or hang (killed at the timeout) cannot take the host
// with it; a first initdb's memory peak stays in the child too. The child optionally counts every table's rows, then checkpoints and closes cleanly,
// so the folder it leaves needs no replay.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pgliteOptions } from './pglite-options';

export type RowCounts = Record<string, number>;

export type ProbeFailure = 'exception' | 'abort' | 'timeout' | 'crash';

export type ProbeResult =
  /** `damaged`: tables whose rows could not be read through (a bad page), with PostgreSQL's reason. */
  | { ok: true; rowCounts: RowCounts | null; damaged?: { table: string; message: string }[] }
  | { ok: false; failure: ProbeFailure; detail: string };

const TABLES_SQL = `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;

const countSqlOf = (table: string) => `select count(*)::int as n from public."${table.replace(/"/g, '""')}"`;

export async function countRows(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<RowCounts> {
  const counts: RowCounts = {};
  for (const row of await query(TABLES_SQL)) {
    const name = String(row.name);
    counts[name] = Number((await query(countSqlOf(name)))[0].n);
  }
  return counts;
}

// CommonJS, so it runs under `node -e` and under Electron's binary as node alike.
// Private like the host (db/private-folder.ts): PGlite chmods every file it makes 0666, so the
// child holds chmod to owner bits too, or a first initdb here leaves the database world-readable.
const CHILD_SCRIPT = `
process.umask(0o077);
const fs = require('node:fs');
const ownerBits = (mode) => (typeof mode === 'number' ? mode : parseInt(mode, 8)) & ~0o077;
const { chmodSync, fchmodSync } = fs;
fs.chmodSync = (path, mode) => chmodSync(path, ownerBits(mode));
fs.fchmodSync = (fd, mode) => fchmodSync(fd, ownerBits(mode));
require('node:module').syncBuiltinESMExports();
const { PGlite } = require(process.env.VIGIL_PGLITE_PATH);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
(async () => {
  const db = await PGlite.create(process.env.VIGIL_PROBE_DIR, JSON.parse(process.env.VIGIL_PGLITE_OPTIONS));
  const q = async (sql) => (await db.query(sql)).rows;
  const rowCounts = process.env.VIGIL_PROBE_COUNT === '1' ? {} : null;
  const damaged = [];
  for (const row of rowCounts ? await q(${JSON.stringify(TABLES_SQL)}) : []) {
    try {
      rowCounts[row.name] = Number((await q('select count(*)::int as n from public."' + row.name.replace(/"/g, '""') + '"'))[0].n);
    } catch (e) {
      damaged.push({ table: row.name, message: String((e && e.message) || e) });
    }
  }
  await db.exec('CHECKPOINT');
  await db.close();
  out({ ok: true, rowCounts, damaged });
})().catch((e) => {
  out({ ok: false, name: String((e && e.name) || ''), message: String((e && e.message) || e) });
  process.exit(2);
});
`;

let pglitePath: string | null = null;

function resolvePglite(): string {
  pglitePath ??= createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return pglitePath;
}

export function probeFolder(dir: string, opts: { timeoutMs: number; countRows: boolean }): Promise<ProbeResult> {
  const { timeoutMs } = opts;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', VIGIL_PGLITE_PATH: resolvePglite(), VIGIL_PGLITE_OPTIONS: JSON.stringify(pgliteOptions()), VIGIL_PROBE_DIR: dir, VIGIL_PROBE_COUNT: opts.countRows ? '1' : '0' },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      resolve(result);
    };
    child.on('error', (err) => finish({ ok: false, failure: 'crash', detail: err.message }));
    child.on('close', (code, signal) => {
      if (timedOut) return finish({ ok: false, failure: 'timeout', detail: `no answer after ${timeoutMs} ms` });
      const parsed = parseLastLine(stdout);
      if (parsed?.ok && code === 0) return finish({ ok: true, rowCounts: parsed.rowCounts ?? null, ...(parsed.rowCounts ? { damaged: parsed.damaged ?? [] } : {}) });
      if (parsed && !parsed.ok) {
        const detail = `${parsed.name ? `${parsed.name}: ` : ''}${parsed.message ?? ''}`;
        return finish({ ok: false, failure: /Aborted\(\)/.test(detail) ? 'abort' : 'exception', detail });
      }
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish({ ok: false, failure: 'crash', detail: `exit ${signal ?? code}${tail ? `: ${tail}` : ''}` });
    });
  });
}

/**
 * A new database folder made by initdb in the same kind of child: initdb needs two PostgreSQL
 * instances and an in-memory copy of the new folder at once (about 600 MB at its peak), which a
 * process keeps resident once it is done. The child checkpoints and closes, so the folder is
 * left complete and clean for the host to open.
 */
export async function createFolderInChild(dir: string, opts: { timeoutMs: number }): Promise<ProbeResult> {
  await mkdir(dir, { recursive: true });
  return probeFolder(dir, { timeoutMs: opts.timeoutMs, countRows: false });
}

interface ChildAnswer {
  ok: boolean;
  rowCounts?: RowCounts | null;
  damaged?: { table: string; message: string }[];
  name?: string;
  message?: string;
}

function parseLastLine(stdout: string): ChildAnswer | null {
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildAnswer;
  } catch {
    return null; // the child died before answering: the caller reports its exit
  }
}
