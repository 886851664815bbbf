// Verified backups of the PGlite folder: backups/<timestamp>/db plus a VERIFIED marker written
// only after a separate process opened the copy and counted the same rows as the live store.
// A copy without the marker (a crash mid-copy, a failed check) is never restored.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from './client';
import { bulkCopy, catchUp } from './folder-copy';
import { countRows, probeFolder, type RowCounts } from './probe';

export const KEEP_BACKUPS = 3;

export interface VerifiedBackup {
  /** backups/<timestamp> */
  dir: string;
  /** The PGlite folder inside it. */
  dbDir: string;
  takenAt: string;
  verifiedAt: string;
  rowCounts: RowCounts;
}

interface Marker {
  takenAt: string;
  verifiedAt: string;
  rowCounts: RowCounts;
}

const NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** A timestamp usable as a file name on every platform, sorting like the time it names. */
export const stampOf = (date: Date) => date.toISOString().replace(/[:.]/g, '-');

export async function listVerifiedBackups(backupsDir: string): Promise<VerifiedBackup[]> {
  const found: VerifiedBackup[] = [];
  for (const name of await backupNames(backupsDir)) {
    const dir = join(backupsDir, name);
    try {
      const marker = JSON.parse(await readFile(join(dir, 'VERIFIED'), 'utf8')) as Marker;
      found.push({ dir, dbDir: join(dir, 'db'), ...marker });
    } catch {
      /* no marker: not verified */
    }
  }
  return found;
}

/** Newest first. */
async function backupNames(backupsDir: string): Promise<string[]> {
  try {
    return (await readdir(backupsDir)).filter((n) => NAME.test(n)).sort().reverse();
  } catch {
    return []; // no backups folder yet: no backups
  }
}

/**
 * Copies the live folder, then, with every query held back (one transaction owns PGlite's
 * queue) and after a CHECKPOINT, copies again what changed: the copy is the image a crash at
 * that instant would leave. The verification open replays what is left and must count the
 * same rows as the live store did at that instant.
 */
export async function takeVerifiedBackup(
  store: Store,
  dbDir: string,
  backupsDir: string,
  opts: { timeoutMs: number },
): Promise<VerifiedBackup> {
  const taken = new Date();
  const dir = join(backupsDir, stampOf(taken));
  const copyDir = join(dir, 'db');
  await mkdir(dir, { recursive: true });
  try {
    const bulk = await bulkCopy(dbDir, copyDir);
    const expected = await store.sql.transaction(async (tx) => {
      await tx.query('CHECKPOINT');
      const counts = await countRows((sql) => tx.query(sql));
      await catchUp(dbDir, copyDir, bulk);
      return counts;
    });
    const probe = await probeFolder(copyDir, { timeoutMs: opts.timeoutMs, countRows: true });
    if (!probe.ok) throw new Error(`the copy does not open (${probe.failure}: ${probe.detail})`);
    if (probe.damaged?.length) throw new Error(`the copy does not read through (${probe.damaged.map((d) => `${d.table}: ${d.message}`).join('; ')})`);
    const diff = countDiff(expected, probe.rowCounts ?? {});
    if (diff) throw new Error(`the copy's row counts differ from the live database: ${diff}`);
    const marker: Marker = { takenAt: taken.toISOString(), verifiedAt: new Date().toISOString(), rowCounts: expected };
    await writeFile(join(dir, 'VERIFIED.tmp'), JSON.stringify(marker, null, 2));
    await rename(join(dir, 'VERIFIED.tmp'), join(dir, 'VERIFIED'));
    await prune(backupsDir);
    return { dir, dbDir: copyDir, ...marker };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`backup not taken: ${(err as Error).message}`, { cause: err });
  }
}

function countDiff(expected: RowCounts, actual: RowCounts): string | null {
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const diffs = tables.filter((t) => expected[t] !== actual[t]).map((t) => `${t} ${expected[t] ?? 'absent'} vs ${actual[t] ?? 'absent'}`);
  return diffs.length ? diffs.join(', ') : null;
}

/** Keeps the newest KEEP_BACKUPS verified backups; older ones and unverified leftovers go. */
async function prune(backupsDir: string): Promise<void> {
  const verified = new Set((await listVerifiedBackups(backupsDir)).slice(0, KEEP_BACKUPS).map((b) => b.dir));
  for (const name of await backupNames(backupsDir)) {
    const dir = join(backupsDir, name);
    if (!verified.has(dir)) await rm(dir, { recursive: true, force: true });
  }
}
