// `vigil doctor`'s deep check of the PGlite database: a copy of the folder (the user's is never
// written by doctor) is opened in a child and every table read through, then compared with the
// row counts of the last clean stop. Damage is named in words with the backup to restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listVerifiedBackups, type VerifiedBackup } from '../main/db/backup';
import { pgliteDirOf } from '../main/db/client';
import { inspectFolder } from '../main/db/folder-state';
import { readManifest } from '../main/db/integrity';
import { inspectDataDirLock } from '../main/db/lock';
import { deepCheckFolder } from '../main/db/deep-check';
import { backupsDirOf } from '../node/paths';

export interface DatabaseVerdict {
  status: 'ok' | 'fail';
  detail: string;
  fix: string | null;
}

export async function checkDatabaseFolder(dataDir: string, timeoutMs = 120_000): Promise<DatabaseVerdict> {
  const dbDir = pgliteDirOf(dataDir);
  if (inspectFolder(dbDir).kind === 'absent') return { status: 'ok', detail: 'no database yet: the first start makes it', fix: null };
  if (inspectDataDirLock(dataDir).state === 'owned') return { status: 'ok', detail: 'a Vigil runs on this folder and checked its database when it started', fix: null };
  const copy = mkdtempSync(join(tmpdir(), 'vigil-doctor-db-'));
  let damage: string[];
  try {
    await cp(dbDir, join(copy, 'db'), { recursive: true });
    damage = await deepCheckFolder(join(copy, 'db'), readManifest(dataDir), timeoutMs);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  if (damage.length === 0) return { status: 'ok', detail: `the database in ${dbDir} reads through`, fix: null };
  // The backup offered is one that passes the same check (a damaged one is named and skipped).
  const { newest, skipped } = await newestSoundBackup(dataDir, timeoutMs);
  const skippedWords = skipped.length ? ` (${skipped.join('; ')})` : '';
  const fix = newest
    ? `Restore the newest verified backup (taken at ${newest.takenAt}; later changes are lost): mv '${dbDir}' '${dbDir}.damaged' && cp -a '${newest.dbDir}' '${dbDir}'. The next start also does this by itself.${skippedWords}`
    : `There is no verified backup that reads through${skippedWords}. Keep the damaged folder and start with a new database: mv '${dbDir}' '${dbDir}.damaged'`;
  return { status: 'fail', detail: damage.join('; '), fix };
}

/** The newest verified backup that passes the deep check (checked on a copy), and those skipped, in words. */
async function newestSoundBackup(dataDir: string, timeoutMs: number): Promise<{ newest: VerifiedBackup | null; skipped: string[] }> {
  const skipped: string[] = [];
  for (const backup of await listVerifiedBackups(backupsDirOf(dataDir))) {
    const copy = mkdtempSync(join(tmpdir(), 'vigil-doctor-backup-'));
    try {
      await cp(backup.dbDir, join(copy, 'db'), { recursive: true });
      const damage = await deepCheckFolder(join(copy, 'db'), backup.rowCounts, timeoutMs, 'when it was taken');
      if (damage.length === 0) return { newest: backup, skipped };
      skipped.push(`the backup taken at ${backup.takenAt} is damaged too: ${damage.join('; ')}`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
  return { newest: null, skipped };
}
