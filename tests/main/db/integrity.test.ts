// A damaged database is named in words at start, never SQL, never silent emptiness: bytes flipped
// in a page of the issues table (no backup: the start is refused naming the damage), and the
// heartbeat_runs table's file truncated (a verified backup: restored, with a notice of its time).
import { closeSync, openSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pgliteDirOf } from '../../../src/main/db/client';
import { openDataDirStore, type DataDirStore } from '../../../src/main/db/safe-open';
import { makeStoreTarget } from '../../helpers/stores';
import { listVerifiedBackups, type VerifiedBackup } from '../../../src/main/db/backup';
import { backupsDirOf } from '../../../src/node/paths';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function seeded(): Promise<{ dataDir: string; opened: DataDirStore }> {
  const target = await makeStoreTarget('pglite');
  cleanups.push(target.cleanup);
  const opened = await openDataDirStore(target.dataDir);
  await opened.store.sql.transaction(async (tx) => {
    await tx.query(`insert into workspaces (id, name, issue_prefix) values ('w1', 'W', 'VIG')`);
    await tx.query(`insert into agents (id, workspace_id, name, adapter_type) values ('a1', 'w1', 'a', 'claude_local')`);
    for (let i = 1; i <= 50; i++) {
      await tx.query(`insert into issues (id, workspace_id, number, identifier, title) values ($1, 'w1', $2, $3, 't')`, [`i${i}`, i, `VIG-${i}`]);
      await tx.query(`insert into heartbeat_runs (id, workspace_id, agent_id, invocation_source) values ($1, 'w1', 'a1', 'on_demand')`, [`r${i}`]);
    }
  });
  return { dataDir: target.dataDir, opened };
}

/** seeded, then one verified backup taken. */
async function seededAndBackedUp(): Promise<{ dataDir: string; opened: DataDirStore; backup: VerifiedBackup }> {
  const { dataDir, opened } = await seeded();
  return { dataDir, opened, backup: await takeBackup(opened, dataDir) };
}

/** A verified backup, and its time (backups are named by the millisecond: two never share one). */
async function takeBackup(opened: DataDirStore, dataDir: string): Promise<VerifiedBackup> {
  await opened.backup();
  const [newest] = await listVerifiedBackups(backupsDirOf(dataDir));
  return newest;
}

async function fileOf(opened: DataDirStore, dataDir: string, table: string): Promise<string> {
  const [row] = await opened.store.sql.query(`select pg_relation_filepath('${table}') as p`);
  return join(pgliteDirOf(dataDir), String(row.p));
}

/** Bytes flipped in a page header (pd_lower, pd_upper, pd_special: nonsense); the file still opens. */
function flipPageHeader(file: string): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(12, 0xff), 0, 12, 12);
  closeSync(fd);
}

/**
 * The store closed, then two damages: the backup's issues file (bytes flipped, it still opens) and
 * the live store's runs file (cut short). Returns the live runs file.
 */
async function damageBackupAndLiveRuns(opened: DataDirStore, dataDir: string, backup: VerifiedBackup): Promise<string> {
  const issuesFile = await fileOf(opened, dataDir, 'issues');
  const runsFile = await fileOf(opened, dataDir, 'heartbeat_runs');
  await opened.store.close();
  flipPageHeader(join(backup.dbDir, relative(pgliteDirOf(dataDir), issuesFile)));
  truncateSync(runsFile, 0);
  return runsFile;
}

/** The folder opened again (closed after the test), and its notices as one line. */
async function reopened(dataDir: string): Promise<{ again: DataDirStore; notice: string }> {
  const again = await openDataDirStore(dataDir);
  cleanups.unshift(() => void again.store.close());
  return { again, notice: again.notices.join(' ') };
}

async function countOf(o: DataDirStore, table: string): Promise<number> {
  const [{ n }] = await o.store.sql.query(`select count(*)::int as n from ${table}`);
  return n as number;
}

/** Opening the folder again: the error it was refused with, or null (the store then closed after the test). */
async function refusalOf(dataDir: string): Promise<Error | null> {
  return openDataDirStore(dataDir).then(
    (o) => {
      cleanups.unshift(() => void o.store.close());
      return null;
    },
    (e: Error) => e,
  );
}

describe('a damaged database at start', () => {
  it('bytes flipped in a page of the issues table, no backup: refused in words naming the damage', async () => {
    const { dataDir, opened } = await seeded();
    const file = await fileOf(opened, dataDir, 'issues');
    await opened.store.close();
    flipPageHeader(file);
    const err = await refusalOf(dataDir);
    expect(err, 'the start is refused').not.toBeNull();
    expect(err!.message).toMatch(/the database file for issues is damaged \(invalid page in block 0\)/);
    expect(err!.message).toMatch(/no verified backup/);
    expect(err!.message).not.toMatch(/select|Failed query|base\/\d+/);
  }, 180_000);

  it('the heartbeat_runs file truncated, a verified backup: restored with a notice of its time, never 0 runs silently', async () => {
    const { dataDir, opened } = await seeded();
    await opened.backup();
    const file = await fileOf(opened, dataDir, 'heartbeat_runs');
    await opened.store.close();
    truncateSync(file, 0);
    const { again, notice } = await reopened(dataDir);
    expect(notice).toMatch(/the database file for runs is damaged \(50 rows were there when Vigil last stopped, 0 can be read\)/);
    expect(notice).toMatch(/Restored the database from the backup taken at \d{4}-/);
    expect(await countOf(again, 'heartbeat_runs')).toBe(50);
  }, 180_000);
});

describe('a damaged backup is never trusted', () => {
  it('the newest backup damaged and the live store damaged: the older good backup is restored, and the notice names both', async () => {
    const { dataDir, opened, backup: good } = await seededAndBackedUp();
    await opened.store.sql.query(`insert into issues (id, workspace_id, number, identifier, title) values ('i51', 'w1', 51, 'VIG-51', 'after the good backup')`);
    const bad = await takeBackup(opened, dataDir);
    expect(bad.takenAt > good.takenAt).toBe(true);
    // The newest backup's issues table and the live store's runs file damaged.
    await damageBackupAndLiveRuns(opened, dataDir, bad);

    const { again, notice } = await reopened(dataDir);
    expect(notice).toMatch(/the database file for runs is damaged \(50 rows were there when Vigil last stopped, 0 can be read\)/);
    expect(notice).toContain(`Restored the database from the backup taken at ${good.takenAt}`);
    expect(notice).toContain(`the backup taken at ${bad.takenAt} was skipped: the database file for issues is damaged (invalid page in block 0)`);
    expect({ issues: await countOf(again, 'issues'), runs: await countOf(again, 'heartbeat_runs') }).toEqual({ issues: 50, runs: 50 });
  }, 240_000);
});

describe('no backup reads through', () => {
  it('the live store and its only backup damaged: the start is refused naming both and the command, the folder left as it is', async () => {
    const { dataDir, opened, backup: only } = await seededAndBackedUp();
    const runsFile = await damageBackupAndLiveRuns(opened, dataDir, only);
    const err = await refusalOf(dataDir);
    expect(err, 'the start is refused, not made anew and empty').not.toBeNull();
    expect(err!.message).toMatch(/the database file for runs is damaged/);
    expect(err!.message).toContain(`the backup taken at ${only.takenAt} was skipped: the database file for issues is damaged (invalid page in block 0)`);
    expect(err!.message).toContain(`mv '${pgliteDirOf(dataDir)}' '${pgliteDirOf(dataDir)}.damaged'`);
    // The damaged folder is where it was (nothing set aside, nothing made).
    expect(readdirSync(dataDir).filter((n) => n.startsWith('db.broken-'))).toEqual([]);
    expect(statSync(runsFile).size).toBe(0);
  }, 240_000);
});

describe('vigil doctor on a damaged database', () => {
  it('names the truncated runs table and the backup to restore, instead of "Vigil can run"', async () => {
    const { checkDatabaseFolder } = await import('../../../src/cli/doctor-database');
    const { dataDir, opened } = await seeded();
    await opened.backup();
    const file = await fileOf(opened, dataDir, 'heartbeat_runs');
    await opened.store.close();
    expect((await checkDatabaseFolder(dataDir)).status).toBe('ok');
    truncateSync(file, 0);
    const verdict = await checkDatabaseFolder(dataDir);
    expect(verdict.status).toBe('fail');
    expect(verdict.detail).toMatch(/the database file for runs is damaged \(50 rows were there when Vigil last stopped, 0 can be read\)/);
    expect(verdict.fix).toMatch(/Restore the newest verified backup \(taken at \d{4}-.*cp -a /);
  }, 180_000);

  it('offers the newest backup that passes the same deep check, naming a damaged newer one', async () => {
    const { checkDatabaseFolder } = await import('../../../src/cli/doctor-database');
    const { dataDir, opened, backup: good } = await seededAndBackedUp();
    const bad = await takeBackup(opened, dataDir);
    await damageBackupAndLiveRuns(opened, dataDir, bad);
    const verdict = await checkDatabaseFolder(dataDir);
    expect(verdict.status).toBe('fail');
    expect(verdict.fix).toContain(`taken at ${good.takenAt}`);
    expect(verdict.fix).toContain(`cp -a '${good.dbDir}'`);
    expect(verdict.fix).toContain(`the backup taken at ${bad.takenAt} is damaged too: the database file for issues is damaged (invalid page in block 0)`);
  }, 240_000);
});
