// Opens the data folder's PGlite database so that no crash leaves Vigil unable to start, and
// never silently: a folder that does not open is kept aside (never deleted), the newest verified
// backup is restored, or a new empty database is made, and the notices say which.
// The caller holds the data-folder lock (lock.ts): two processes on one folder lose rows.
import { existsSync } from 'node:fs';
import { cp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { backupsDirOf } from '../../node/paths';
import { listVerifiedBackups, stampOf, takeVerifiedBackup } from './backup';
import { openStore, pgliteDirOf, type Store } from './client';
import { inspectFolder } from './folder-state';
import { checkIntegrity, currentRowCounts, dropManifest, readManifest, writeManifest } from './integrity';
import { migrate } from './migrate';
import { createFolderInChild, probeFolder } from './probe';
import { deepCheckFolder } from './deep-check';
import { unpackTemplate } from './template';

/** Generous: a loaded 2-core machine was measured taking 17 s for a first initdb. */
export const DEFAULT_OPEN_TIMEOUT_MS = 60_000;

export interface DataDirStore {
  store: Store;
  /** What the open had to do that the user must be told; empty on a plain open. */
  notices: string[];
  /** The database was made new at this open (an empty folder, or nothing could be restored). */
  created: boolean;
  /** Takes a verified backup of the open store (the host calls it once it is ready). */
  backup(): Promise<void>;
}

export interface OpenDataDirOptions {
  openTimeoutMs?: number;
  /** The database template built with the app (template.ts): a new folder without an initdb. */
  template?: string;
}

export async function openDataDirStore(dataDir: string, opts: OpenDataDirOptions = {}): Promise<DataDirStore> {
  const timeoutMs = opts.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
  const dbDir = pgliteDirOf(dataDir);
  const backupsDir = backupsDirOf(dataDir);
  const notices: string[] = [];
  const made = { created: false };
  const fresh = { timeoutMs, template: opts.template, made };
  let store: Store;
  if (inspectFolder(dbDir).kind === 'absent') {
    store = (await listVerifiedBackups(backupsDir)).length
      ? await recover(dataDir, `the database folder ${dbDir} is missing or empty`, fresh, notices)
      : await openNew(dbDir, fresh);
  } else {
    const opened = await openFolder(dbDir, timeoutMs);
    store = 'store' in opened ? opened.store : await recover(dataDir, opened.failure, fresh, notices);
  }
  store = await checkedStore(dataDir, store, fresh, notices);
  // A failing migration is a bug or a newer schema, not a damaged folder: reported, not repaired.
  try {
    await migrate(store.sql);
  } catch (err) {
    await store.close().catch(() => undefined); // the migration's error is the one to report
    throw err;
  }
  // One backup at a time: pruning would otherwise remove a copy still being verified.
  let queue: Promise<unknown> = Promise.resolve();
  const backup = () => {
    const run = queue.then(() => takeVerifiedBackup(store, dbDir, backupsDir, { timeoutMs }));
    queue = run.catch(() => undefined); // the failure is the caller's (returned below): the queue only orders
    return run.then(() => undefined);
  };
  // A clean stop leaves the row counts the next start compares with (a table file cut short).
  const close = store.close.bind(store);
  const opened = store;
  store.close = async () => {
    await currentRowCounts(opened.sql)
      .then((counts) => writeManifest(dataDir, counts))
      .catch(() => undefined);
    await close();
  };
  return { store, notices, created: made.created, backup };
}

/**
 * The start's integrity check (integrity.ts): a damaged database is set aside and the newest
 * verified backup restored, with a notice naming the damage and the backup's time; with no backup
 * the start is refused in words, the folder left as it is.
 */
async function checkedStore(dataDir: string, store: Store, fresh: Fresh, notices: string[]): Promise<Store> {
  const expected = readManifest(dataDir);
  let damage: string[];
  try {
    damage = await checkIntegrity(store.sql, expected);
  } catch (err) {
    damage = [`the database could not be read through (${(err as Error).message.split('\n')[0].slice(0, 200)})`];
  }
  dropManifest(dataDir);
  if (damage.length === 0) return store;
  await store.close().catch(() => undefined);
  const said = damage.join('; ');
  const backups = await listVerifiedBackups(backupsDirOf(dataDir));
  if (backups.length === 0) {
    const dbDir = pgliteDirOf(dataDir);
    throw new Error(
      `Vigil cannot start: ${said}. There is no verified backup in ${backupsDirOf(dataDir)} to restore; the folder ${dbDir} was left as it is. To start with a new, empty database and keep the damaged one: mv '${dbDir}' '${dbDir}.damaged'`,
    );
  }
  // A folder that opens but is damaged is never swapped for an empty one: refused if no backup reads through.
  return recover(dataDir, said, fresh, notices, { refuseWithoutBackup: true });
}

/** How a new database folder is made, and where the open notes that it made one. */
interface Fresh {
  timeoutMs: number;
  template: string | undefined;
  made: { created: boolean };
}

type Opened = { store: Store } | { failure: string };

async function openFolder(dbDir: string, timeoutMs: number): Promise<Opened> {
  const state = inspectFolder(dbDir);
  if (state.kind === 'incomplete') {
    return { failure: `the folder is incomplete (missing ${state.missing.join(', ')}): a first start killed during setup leaves it so` };
  }
  if (state.kind === 'unclean') {
    // Replay the WAL where an abort or a hang cannot reach the host; the probe closes cleanly.
    const probe = await probeFolder(dbDir, { timeoutMs, countRows: false });
    if (!probe.ok) return { failure: `it was not closed cleanly and its crash recovery failed (${probe.failure}: ${probe.detail})` };
  }
  let store: Store | undefined;
  try {
    store = await withTimeout(openStore({ pgliteDir: dbDir, skipMigrate: true }), timeoutMs, (late) => void late.close());
    await store.sql.query('select count(*) from pg_class');
    return { store };
  } catch (err) {
    await store?.close().catch(() => undefined); // the open's failure is the one reported
    return { failure: `opening it failed (${(err as Error).message})` };
  }
}

async function openNew(dbDir: string, fresh: Fresh): Promise<Store> {
  const { timeoutMs } = fresh;
  fresh.made.created = true;
  if (fresh.template) {
    // The template only makes a first start cheaper: whatever goes wrong with it, initdb follows.
    const unpacked = await unpackTemplate(fresh.template, dbDir).then(
      () => true,
      () => false,
    );
    if (unpacked) {
      const opened = await openFolder(dbDir, timeoutMs);
      if ('store' in opened) return opened.store;
      await rm(dbDir, { recursive: true, force: true });
    }
  }
  const made = await createFolderInChild(dbDir, { timeoutMs });
  if (!made.ok) throw new Error(`creating the database in ${dbDir} failed (${made.failure}: ${made.detail})`);
  return withTimeout(openStore({ pgliteDir: dbDir, skipMigrate: true }), timeoutMs, (late) => void late.close());
}

async function recover(dataDir: string, failure: string, fresh: Fresh, notices: string[], opts: { refuseWithoutBackup?: boolean } = {}): Promise<Store> {
  const { timeoutMs } = fresh;
  const dbDir = pgliteDirOf(dataDir);
  // The last clean stop's counts describe the folder set aside, not what is restored.
  dropManifest(dataDir);
  const keptAt = inspectFolder(dbDir).kind === 'absent' ? null : await setAside(dataDir, dbDir);
  const kept = keptAt ? `; the damaged folder was kept at ${keptAt}` : '';
  const tried: string[] = [];
  const skipped: string[] = [];
  for (const backup of await listVerifiedBackups(backupsDirOf(dataDir))) {
    await cp(backup.dbDir, dbDir, { recursive: true });
    // Trusted only after the deep check (doctor's), on the restored copy: a backup damaged since
    // it was verified is named and skipped, and the next older one tried.
    const damage = await deepCheckFolder(dbDir, backup.rowCounts, timeoutMs, 'when it was taken');
    const opened: Opened = damage.length ? { failure: damage.join('; ') } : await openFolder(dbDir, timeoutMs);
    if ('store' in opened) {
      const skippedWords = skipped.length ? ` (${skipped.join('; ')})` : '';
      notices.push(
        `The database could not be opened: ${failure}. Restored the database from the backup taken at ${backup.takenAt}; changes after that time may be missing${skippedWords}${kept}.`,
      );
      return opened.store;
    }
    skipped.push(`the backup taken at ${backup.takenAt} was skipped: ${opened.failure}`);
    tried.push(`${backup.takenAt}: ${opened.failure}`);
    // Only the restored copy goes; the backup itself stays where it was.
    await rm(dbDir, { recursive: true, force: true });
  }
  if (opts.refuseWithoutBackup && keptAt) {
    // The damaged folder goes back where it was: the person decides, with the command in hand.
    await rm(dbDir, { recursive: true, force: true });
    await rename(keptAt, dbDir);
    throw new Error(
      `Vigil cannot start: ${failure}. No verified backup in ${backupsDirOf(dataDir)} reads through (${skipped.join('; ')}); the folder ${dbDir} was left as it is. To start with a new, empty database and keep the damaged one: mv '${dbDir}' '${dbDir}.damaged'`,
    );
  }
  const store = await openNew(dbDir, fresh);
  const why = tried.length ? `no backup could be restored (${tried.join('; ')})` : 'there is no verified backup to restore';
  notices.push(`The database could not be opened: ${failure}; ${why}. Vigil started with a NEW, EMPTY database${kept}.`);
  return store;
}

async function setAside(dataDir: string, dbDir: string): Promise<string> {
  const base = join(dataDir, `db.broken-${stampOf(new Date())}`);
  let target = base;
  for (let n = 1; existsSync(target); n++) target = `${base}-${n}`;
  await rename(dbDir, target);
  return target;
}

/** A late success is closed: the folder may have been set aside meanwhile. */
function withTimeout<T>(work: Promise<T>, ms: number, onLate: (value: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`no answer after ${ms} ms`));
    }, ms);
    work.then(
      (value) => {
        if (settled) return onLate(value);
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
