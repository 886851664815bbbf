// openDataDirStore on folders as crashes leave them: a SIGKILLed writer's folder is repaired
// with every committed row; a folder that does not open is kept aside and the newest verified
// backup restored (or a new database made), never silently.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listVerifiedBackups } from '../../../src/main/db/backup';
import { pgliteDirOf } from '../../../src/main/db/client';
import { inspectFolder } from '../../../src/main/db/folder-state';
import { VIGIL_PG_SETTINGS } from '../../../src/main/db/pglite-options';
import { createFolderInChild } from '../../../src/main/db/probe';
import { DEFAULT_OPEN_TIMEOUT_MS, openDataDirStore, type DataDirStore } from '../../../src/main/db/safe-open';
import { committedIds, kill, killDuringInitdb, startWriter } from '../../fixtures/store/crash-harness';
import { damage, freezeChildOpening, type Damage } from '../../fixtures/store/damage';
import { makeStoreTarget, tempDir } from '../../helpers/stores';

const cleanups: (() => void)[] = [];
const open: DataDirStore[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.store.close();
  for (const c of cleanups.splice(0)) c();
});

async function dataDir(): Promise<string> {
  const target = await makeStoreTarget('pglite');
  cleanups.push(target.cleanup);
  return target.dataDir;
}

async function openTracked(dir: string, opts?: { openTimeoutMs?: number }): Promise<DataDirStore> {
  const opened = await openDataDirStore(dir, opts);
  open.push(opened);
  return opened;
}

async function closeTracked(opened: DataDirStore): Promise<void> {
  open.splice(open.indexOf(opened), 1);
  await opened.store.close();
}

async function addWorkspaces(o: DataDirStore, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await o.store.sql.query('insert into workspaces (id, name, issue_prefix) values ($1, $2, $3)', [`w${i}`, `W${i}`, `P${i}`]);
  }
}

const countOf = async (o: DataDirStore, table: string) => Number((await o.store.sql.query(`select count(*)::int as n from ${table}`))[0].n);
const brokenFolders = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('db.broken-'));

describe('openDataDirStore', () => {
  it('reopens a SIGKILLed writer\'s folder with every committed row and no notice', async () => {
    const dir = await dataDir();
    const writer = startWriter(pgliteDirOf(dir), 'rows');
    expect(await writer.ready).toBe(true);
    while (committedIds(writer.lines).length < 200) await new Promise((r) => setTimeout(r, 20));
    await kill(writer);
    const ids = committedIds(writer.lines);
    expect(inspectFolder(pgliteDirOf(dir)).kind).toBe('unclean');

    const opened = await openTracked(dir);
    expect(opened.notices).toEqual([]);
    const present = await opened.store.sql.query('select count(*)::int as n from t where id = any($1::int[])', [ids]);
    expect(present[0].n).toBe(ids.length);
    expect(brokenFolders(dir)).toEqual([]);
  });

  /** A new data folder whose store holds `n` workspaces and one verified backup of them. */
  const backedUp = async (n: number) => {
    const dir = await dataDir();
    const first = await openTracked(dir);
    await addWorkspaces(first, 0, n);
    await first.backup();
    const [backup] = await listVerifiedBackups(join(dir, 'backups'));
    return { dir, first, backup };
  };

  const damages: (Damage | 'a hung open')[] = ['torn pg_control', 'truncated WAL', 'lost PG_VERSION', 'a hung open'];
  for (const kind of damages) {
    it(`restores the newest verified backup after ${kind}, keeping the damaged folder and saying so`, async () => {
      const { dir, first, backup } = await backedUp(40);
      await addWorkspaces(first, 40, 5);
      await closeTracked(first);

      let freezer: ReturnType<typeof freezeChildOpening> | null = null;
      if (kind === 'a hung open') {
        // A crashed owner leaves postmaster.pid: the open replays in a child, which never answers.
        const writer = startWriter(pgliteDirOf(dir), 'rows');
        await writer.ready;
        await kill(writer);
        freezer = freezeChildOpening(pgliteDirOf(dir));
      } else {
        damage(pgliteDirOf(dir), kind);
      }
      const opened = await openTracked(dir, kind === 'a hung open' ? { openTimeoutMs: 8_000 } : {});
      freezer?.stop();
      if (freezer) expect(freezer.frozen()).not.toBeNull();

      const [kept] = brokenFolders(dir);
      expect(kept).toBeDefined();
      expect(opened.notices).toHaveLength(1);
      expect(opened.notices[0]).toContain(
        `Restored the database from the backup taken at ${backup.takenAt}; changes after that time may be missing; the damaged folder was kept at ${join(dir, kept)}`,
      );
      if (kind === 'a hung open') expect(opened.notices[0]).toMatch(/timeout/);
      expect(await countOf(opened, 'workspaces')).toBe(40);
      // Kept as found: the rows after the backup are still in it.
      expect(inspectFolder(join(dir, kept)).kind).not.toBe('absent');
      if (kind === 'torn pg_control') expect(readFileSync(join(dir, kept, 'global', 'pg_control')).every((b) => b === 0)).toBe(true);
    });
  }

  it('a first start makes the folder in a child (initdb\'s memory peak stays there): complete, closed cleanly, then opened, migrated and written by the host', async () => {
    const { dir, cleanup } = tempDir('vigil-first-');
    cleanups.push(cleanup);
    const dbDir = pgliteDirOf(dir);
    const made = await createFolderInChild(dbDir, { timeoutMs: DEFAULT_OPEN_TIMEOUT_MS });
    expect(made).toEqual({ ok: true, rowCounts: null });
    // No postmaster.pid: the child that ran initdb closed it; this process never opened it.
    expect(inspectFolder(dbDir).kind).toBe('clean');

    const opened = await openTracked(dir);
    expect(opened.notices).toEqual([]);
    expect(await countOf(opened, 'vigil_migrations')).toBeGreaterThan(0);
    await addWorkspaces(opened, 0, 3);
    await closeTracked(opened);
    const again = await openTracked(dir);
    expect(await countOf(again, 'workspaces')).toBe(3);
  }, 180_000);

  it('opens an absent folder (initdb in a child) with Vigil\'s memory settings in force', async () => {
    const { dir, cleanup } = tempDir('vigil-first-');
    cleanups.push(cleanup);
    const opened = await openTracked(dir);
    expect(opened.notices).toEqual([]);
    for (const [name, value] of Object.entries(VIGIL_PG_SETTINGS)) {
      const [row] = await opened.store.sql.query(`select current_setting($1) as v`, [name]);
      expect(`${name}=${String(row.v)}`).toBe(`${name}=${value}`);
    }
    await addWorkspaces(opened, 0, 2);
    expect(await countOf(opened, 'workspaces')).toBe(2);
  }, 180_000);

  it('without a backup, starts a new empty database with a loud notice and keeps the broken folder', async () => {
    const { dir, cleanup } = tempDir('vigil-initdb-');
    cleanups.push(cleanup);
    // A first start killed while initdb's output is being written.
    await killDuringInitdb(pgliteDirOf(dir), 300);
    const before = readdirSync(pgliteDirOf(dir), { recursive: true }).length;
    expect(inspectFolder(pgliteDirOf(dir)).kind).toBe('incomplete');

    const opened = await openTracked(dir);
    const [kept] = brokenFolders(dir);
    expect(opened.notices).toHaveLength(1);
    expect(opened.notices[0]).toMatch(/there is no verified backup to restore\. Vigil started with a NEW, EMPTY database/);
    expect(opened.notices[0]).toContain(`the damaged folder was kept at ${join(dir, kept)}`);
    expect(readdirSync(join(dir, kept), { recursive: true }).length).toBe(before);
    expect(await countOf(opened, 'vigil_migrations')).toBeGreaterThan(0);
  }, 180_000);

  it('keeps a damaged folder holding data when no backup exists', async () => {
    const dir = await dataDir();
    const first = await openTracked(dir);
    await addWorkspaces(first, 0, 12);
    await closeTracked(first);
    damage(pgliteDirOf(dir), 'torn pg_control');
    const files = readdirSync(pgliteDirOf(dir), { recursive: true }).sort();

    const opened = await openTracked(dir);
    expect(opened.notices[0]).toMatch(/NEW, EMPTY database; the damaged folder was kept at/);
    expect(await countOf(opened, 'workspaces')).toBe(0);
    const [kept] = brokenFolders(dir);
    expect(readdirSync(join(dir, kept), { recursive: true }).sort()).toEqual(files);
  });

  it('never restores a backup without its VERIFIED marker (a crash mid-copy)', async () => {
    const { dir, first, backup: verified } = await backedUp(3);
    await addWorkspaces(first, 3, 4);
    await first.backup();
    const [newest] = await listVerifiedBackups(join(dir, 'backups'));
    rmSync(join(newest.dir, 'VERIFIED'));
    await closeTracked(first);
    damage(pgliteDirOf(dir), 'truncated WAL');

    const opened = await openTracked(dir);
    expect(opened.notices[0]).toContain(`the backup taken at ${verified.takenAt}`);
    expect(await countOf(opened, 'workspaces')).toBe(3);
  });

  it('restores the backup when the database folder is gone, instead of silently starting empty', async () => {
    const dir = await dataDir();
    const first = await openTracked(dir);
    await addWorkspaces(first, 0, 6);
    await first.backup();
    await closeTracked(first);
    rmSync(pgliteDirOf(dir), { recursive: true });

    const opened = await openTracked(dir);
    expect(opened.notices[0]).toMatch(/is missing or empty\. Restored the database from the backup taken at/);
    expect(await countOf(opened, 'workspaces')).toBe(6);
  });

  it('reports a failing migration without touching the folder', async () => {
    const dir = await dataDir();
    const first = await openTracked(dir);
    await first.store.sql.query(`update vigil_migrations set hash = 'edited'`);
    await closeTracked(first);

    await expect(openDataDirStore(dir)).rejects.toThrow(/changed after it was applied/);
    expect(brokenFolders(dir)).toEqual([]);
    expect(inspectFolder(pgliteDirOf(dir)).kind).toBe('clean');
  });

  it('closes cleanly with writes in flight: every acknowledged write is kept, every refused one absent', async () => {
    const dir = await dataDir();
    const first = await openTracked(dir);
    const insert = (i: number) =>
      first.store.sql.query('insert into workspaces (id, name, issue_prefix) values ($1, $2, $3)', [`w${i}`, `W${i}`, `P${i}`]);
    const inFlight = Array.from({ length: 300 }, (_, i) => insert(i));
    const closing = closeTracked(first);
    const duringClose = Array.from({ length: 100 }, (_, i) => insert(300 + i));
    await closing;
    const afterClose = Array.from({ length: 10 }, (_, i) => insert(400 + i));
    const settled = await Promise.allSettled([...inFlight, ...duringClose, ...afterClose]);
    const acknowledged = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [`w${i}`] : []));
    const refusals = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
    const tally = (from: number, to: number) => settled.slice(from, to).filter((s) => s.status === 'fulfilled').length;
    console.log(
      `close() with writes in flight: issued before close ${tally(0, 300)}/300 acknowledged, during close ${tally(300, 400)}/100, ` +
        `after close ${tally(400, 410)}/10; refusals: ${[...new Set(refusals)].join('; ') || 'none'}`,
    );
    expect(tally(0, 300)).toBe(300);
    expect(inspectFolder(pgliteDirOf(dir)).kind).toBe('clean');

    const again = await openTracked(dir);
    expect(again.notices).toEqual([]);
    const rows = await again.store.sql.query('select id from workspaces');
    expect(rows.map((r) => String(r.id)).sort()).toEqual(acknowledged.sort());
  });
});
