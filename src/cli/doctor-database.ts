// `vigil doctor`'s deep check of the PGlite database: a copy of the folder (the user's is never
// written by doctor) is opened in a child and every table read through, then compared with the
// row counts of the last clean stop. Damage is named in words with the backup to restore.
import { mkdtempSync, rmSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listVerifiedBackups } from '../main/db/backup';
import { pgliteDirOf } from '../main/db/client';
import { inspectFolder } from '../main/db/folder-state';
import { damageInWords, readManifest, reasonOf } from '../main/db/integrity';
import { inspectDataDirLock } from '../main/db/lock';
import { probeFolder } from '../main/db/probe';
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
  let damage: string[] = [];
  try {
    await cp(dbDir, join(copy, 'db'), { recursive: true });
    const probe = await probeFolder(join(copy, 'db'), { timeoutMs, countRows: true });
    if (!probe.ok) damage.push(`the database cannot be read through (${reasonOf(new Error(probe.detail))})`);
    else {
      const expected = readManifest(dataDir);
      for (const [table, before] of Object.entries(expected ?? {})) {
        const now = probe.rowCounts?.[table];
        if (now !== undefined && now < before) damage.push(damageInWords(table, `${before} rows were there when Vigil last stopped, ${now} can be read`));
      }
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  if (damage.length === 0) return { status: 'ok', detail: `the database in ${dbDir} reads through`, fix: null };
  const [newest] = await listVerifiedBackups(backupsDirOf(dataDir));
  const fix = newest
    ? `Restore the newest verified backup (taken at ${newest.takenAt}; later changes are lost): mv '${dbDir}' '${dbDir}.damaged' && cp -a '${newest.dbDir}' '${dbDir}'. The next start also does this by itself.`
    : `There is no verified backup. Keep the damaged folder and start with a new database: mv '${dbDir}' '${dbDir}.damaged'`;
  damage = [...new Set(damage)];
  return { status: 'fail', detail: damage.join('; '), fix };
}
