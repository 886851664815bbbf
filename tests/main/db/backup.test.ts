// Verified backups: what a healthy open's backup holds, that it opens on its own, that it is
// consistent while writes go on, and that only the newest three are kept.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { KEEP_BACKUPS, listVerifiedBackups } from '../../../src/main/db/backup';
import { countRows } from '../../../src/main/db/probe';
import { openDataDirStore, type DataDirStore } from '../../../src/main/db/safe-open';
import { makeStoreTarget } from '../../helpers/stores';

const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
});

async function openFresh(): Promise<{ dir: string; opened: DataDirStore }> {
  const target = await makeStoreTarget('pglite');
  const opened = await openDataDirStore(target.dataDir);
  cleanups.unshift(target.cleanup);
  return { dir: target.dataDir, opened };
}

async function seed(o: DataDirStore, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await o.store.sql.transaction(async (tx) => {
      await tx.query('insert into workspaces (id, name, issue_prefix) values ($1, $2, $3)', [`w${i}`, `W${i}`, `P${i}`]);
      await tx.query(`insert into agents (id, workspace_id, name, adapter_type) values ($1, $1, 'a', 'claude_local')`, [`w${i}`]);
    });
  }
}

/** Opens a backup's copy in this process with plain PGlite: independent of the probe that verified it. */
async function countsOfCopy(dbDir: string): Promise<Record<string, number>> {
  const db = await PGlite.create(dbDir);
  try {
    return await countRows(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows);
  } finally {
    await db.close();
  }
}

describe('verified backups', () => {
  it("a healthy open's backup reopens with the same row counts", async () => {
    const { dir, opened } = await openFresh();
    await seed(opened, 0, 25);
    const live = await countRows(opened.store.sql.query);
    await opened.backup();
    await opened.store.close();

    const [backup] = await listVerifiedBackups(join(dir, 'backups'));
    expect(backup.rowCounts).toEqual(live);
    expect(live.workspaces).toBe(25);
    expect(live.agents).toBe(25);
    expect(await countsOfCopy(backup.dbDir)).toEqual(live);
  });

  it('is consistent while writes go on, and keeps only the newest three', async () => {
    const { dir, opened } = await openFresh();
    let next = 0;
    let writing = true;
    // PGlite answers without returning to the event loop: a writer that never yields would
    // starve timers and child-process events (the host's writes are event-driven).
    const writer = (async () => {
      while (writing) {
        await seed(opened, next++, 1);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const taken: string[] = [];
    for (let i = 0; i < KEEP_BACKUPS + 1; i++) {
      await opened.backup();
      taken.push((await listVerifiedBackups(join(dir, 'backups')))[0].takenAt);
    }
    writing = false;
    await writer;
    await opened.store.close();

    const kept = await listVerifiedBackups(join(dir, 'backups'));
    expect(kept.map((b) => b.takenAt)).toEqual(taken.slice(1).reverse());
    expect(readdirSync(join(dir, 'backups'))).toHaveLength(KEEP_BACKUPS);
    for (const b of kept) {
      // Agents and workspaces are committed in pairs: a torn copy would show it.
      expect(b.rowCounts.agents).toBe(b.rowCounts.workspaces);
      expect(await countsOfCopy(b.dbDir)).toEqual(b.rowCounts);
    }
    console.log(`backups while writing: workspaces at each kept backup ${kept.map((b) => b.rowCounts.workspaces).join(', ')}; ${next} written in all`);
  });
});
