// A cheap check of the database at start: every table read through (a count), within a statement
// timeout, and compared with the row counts written at the last clean stop (the manifest). A page
// PostgreSQL cannot read ("invalid page in block 0") or a table file cut short (fewer rows than
// were there when Vigil last stopped cleanly, and nothing can have written since: the folder lock)
// is named in plain words, never as SQL, never read as silent emptiness.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countRows, type RowCounts } from './probe';
import type { SqlRunner } from './migrate';

export const manifestPathOf = (dataDir: string) => join(dataDir, 'db-row-counts.json');

/** What a person calls each table. */
const TABLE_WORDS: Record<string, string> = {
  heartbeat_runs: 'runs',
  issues: 'issues',
  issue_comments: 'issue comments',
  agents: 'agents',
  issue_workspaces: 'issue worktrees',
  activity_log: 'the activity log',
};

export const tableInWords = (table: string) => TABLE_WORDS[table] ?? table.replace(/_/g, ' ');

/** PostgreSQL's reason for a read failure, without its file paths or SQL. */
export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? ((err.cause instanceof Error ? err.cause.message : null) ?? err.message) : String(err);
  const known = /invalid page in block \d+|could not read block \d+|unexpected zero page at block \d+|page verification failed|checksum mismatch|missing chunk number \d+|canceling statement due to statement timeout/i.exec(message);
  if (known) return known[0].replace(/canceling statement due to statement timeout/i, 'reading it took too long');
  return message.split('\n')[0].replace(/"?\bbase\/\d+\/\d+(?:\.\d+)?"?/g, 'its file').slice(0, 200);
}

export function damageInWords(table: string, reason: string): string {
  return `the database file for ${tableInWords(table)} is damaged (${reason})`;
}

export function readManifest(dataDir: string): RowCounts | null {
  try {
    const parsed = JSON.parse(readFileSync(manifestPathOf(dataDir), 'utf8')) as { rowCounts?: RowCounts };
    return parsed.rowCounts ?? null;
  } catch {
    return null;
  }
}

/** Written at a clean stop (the last thing before the close), atomically. */
export function writeManifest(dataDir: string, rowCounts: RowCounts): void {
  const path = manifestPathOf(dataDir);
  writeFileSync(`${path}.tmp`, JSON.stringify({ writtenAt: new Date().toISOString(), rowCounts }), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** From the first write on the counts change: the manifest only speaks for a folder not opened since. */
export function dropManifest(dataDir: string): void {
  rmSync(manifestPathOf(dataDir), { force: true });
}

/**
 * Every table read through; the damage found, one sentence each (empty: none). `expected` is the
 * manifest of the last clean stop, or null (after a crash only unreadable pages are found).
 */
export async function checkIntegrity(sql: SqlRunner, expected: RowCounts | null, statementTimeoutMs = 20_000): Promise<string[]> {
  const damage: string[] = [];
  const tables = (await sql.query(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)).map((r) => String(r.name));
  await sql.query(`set statement_timeout = ${Math.max(1, Math.floor(statementTimeoutMs))}`);
  try {
    for (const table of tables) {
      let count: number;
      try {
        count = Number((await sql.query(`select count(*)::int as n from public."${table.replace(/"/g, '""')}"`))[0].n);
      } catch (err) {
        damage.push(damageInWords(table, reasonOf(err)));
        continue;
      }
      const before = expected?.[table];
      if (before !== undefined && count < before) {
        damage.push(damageInWords(table, `${before} rows were there when Vigil last stopped, ${count} can be read`));
      }
    }
  } finally {
    await sql.query('set statement_timeout = 0').catch(() => undefined);
  }
  return damage;
}

/** The counts for the manifest (the same reading the check does). */
export const currentRowCounts = (sql: SqlRunner): Promise<RowCounts> => countRows((text) => sql.query(text));
