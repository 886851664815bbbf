// A first start unpacks the database template built with the app instead of running initdb
// (src/main/db/template.ts): the folder is the template's cluster, private, migrated; no backup
// of the empty database is taken; a template that does not fit (another PGlite, a damaged
// archive) or a start killed while unpacking never costs the start, initdb follows.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { startHost } from '../../../src/main/host';
import { manifestPathOf } from '../../../src/main/db/template';

const BUILT = resolve(__dirname, '..', '..', '..', 'out', 'main', 'db-template.tar.gz');

/** The cluster's identity: initdb draws it at random, so two folders share it only if one was copied. */
async function systemIdentifier(host: Awaited<ReturnType<typeof startHost>>): Promise<string> {
  const client = (host as unknown as { ctx: { db: { $client: PGlite } } }).ctx.db.$client;
  const { rows } = await client.query<{ id: string }>('select system_identifier::text as id from pg_control_system()');
  return rows[0].id;
}

function openToOthers(dir: string): string[] {
  const open: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path);
    if ((st.mode & 0o077) !== 0) open.push(`${path.slice(dir.length)} 0${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return open;
}

describe('the database template', () => {
  const made: string[] = [];
  let templateId: string;
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
  /** A copy of the built template (archive and manifest) that a test may spoil. */
  const templateCopy = () => {
    const dir = temp('vigil-template-');
    const archive = join(dir, 'db-template.tar.gz');
    copyFileSync(BUILT, archive);
    copyFileSync(manifestPathOf(BUILT), manifestPathOf(archive));
    return archive;
  };

  beforeAll(async () => {
    // `npm test` builds first; a lone vitest run makes it here (from the cache when it can).
    if (!existsSync(BUILT)) execFileSync(process.execPath, [resolve(__dirname, '..', '..', '..', 'scripts', 'make-db-template.mjs')], { stdio: 'inherit' });
    const dir = temp('vigil-template-id-');
    execFileSync('tar', ['-xzf', BUILT, '-C', dir]);
    const db = await PGlite.create({ dataDir: dir });
    templateId = (await db.query<{ id: string }>('select system_identifier::text as id from pg_control_system()')).rows[0].id;
    await db.close();
  }, 120_000);

  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a first start from the template: its cluster, private, migrated, and no backup of the empty database', async () => {
    const dataDir = temp('vigil-first-');
    const host = await startHost({ dataDir, dbTemplate: templateCopy(), sweepIntervalMs: 0 });
    try {
      expect(await systemIdentifier(host)).toBe(templateId);
      const agent = (await host.api.invoke('agents.create', { name: 'a', adapterType: 'process', command: 'true' })) as { name: string };
      expect(agent.name).toBe('a');
      expect(host.info.notices.filter((n) => !n.startsWith('Run containment:'))).toEqual([]);
    } finally {
      await host.close();
    }
    expect(openToOthers(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, '.db.unpacking'))).toBe(false);
    expect(existsSync(join(dataDir, 'backups')) ? readdirSync(join(dataDir, 'backups')) : []).toEqual([]);

    // The next start opens the same folder (nothing unpacked again) and backs it up.
    const again = await startHost({ dataDir, dbTemplate: templateCopy(), sweepIntervalMs: 0 });
    try {
      expect(((await again.api.invoke('agents.list', {})) as { name: string }[]).map((a) => a.name)).toEqual(['a']);
      // The backup starts after start-up: its folder may not be there yet.
      const verified = () => existsSync(join(dataDir, 'backups')) && readdirSync(join(dataDir, 'backups')).some((n) => existsSync(join(dataDir, 'backups', n, 'VERIFIED')));
      for (let i = 0; i < 600 && !verified(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(verified()).toBe(true);
    } finally {
      await again.close();
    }
  }, 120_000);

  it('runs initdb instead when the template was made by another PGlite, or its archive is damaged', async () => {
    const otherPglite = templateCopy();
    writeFileSync(manifestPathOf(otherPglite), JSON.stringify({ pglite: '0.0.1', pgVersion: '17' }));
    const damaged = templateCopy();
    writeFileSync(damaged, Buffer.from('not a gzip archive at all'));
    for (const dbTemplate of [otherPglite, damaged, join(temp('vigil-none-'), 'absent.tar.gz')]) {
      const dataDir = temp('vigil-fallback-');
      const host = await startHost({ dataDir, dbTemplate, sweepIntervalMs: 0, backupOnStart: false });
      try {
        expect(await systemIdentifier(host)).not.toBe(templateId);
        await host.api.invoke('agents.create', { name: 'b', adapterType: 'process', command: 'true' });
      } finally {
        await host.close();
      }
      expect(existsSync(join(dataDir, '.db.unpacking'))).toBe(false);
    }
  }, 180_000);

  it('starts normally after a start killed while unpacking (its half-unpacked folder is not the database)', async () => {
    const dataDir = temp('vigil-killed-');
    // What a start killed midway leaves: some of the files, beside the database's place.
    mkdirSync(join(dataDir, '.db.unpacking', 'base'), { recursive: true });
    writeFileSync(join(dataDir, '.db.unpacking', 'PG_VERSION'), '18\n');
    const host = await startHost({ dataDir, dbTemplate: templateCopy(), sweepIntervalMs: 0 });
    try {
      expect(await systemIdentifier(host)).toBe(templateId);
      expect(host.info.notices.filter((n) => !n.startsWith('Run containment:'))).toEqual([]);
    } finally {
      await host.close();
    }
    expect(existsSync(join(dataDir, '.db.unpacking'))).toBe(false);
  }, 120_000);
});
