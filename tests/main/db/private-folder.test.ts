// The data folder is private whether Vigil made it or not: a pre-existing 0755 folder holding
// 0644 files is made 0700/0600 at start (with a notice), everything the host and PGlite create
// afterwards is private too, and a folder that belongs to someone else is refused.
import { chmod } from 'node:fs/promises';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHost } from '../../../src/main/host';

/** Every path under dir (dir included) whose mode lets group or others in. */
function openToOthers(dir: string): string[] {
  const open: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) open.push(`${path.slice(dir.length) || '/'} 0${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return open;
}

describe('the data folder is private', () => {
  const made: string[] = [];
  const previousUmask = process.umask();
  afterEach(() => {
    process.umask(previousUmask);
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('fixes a pre-existing 0755 folder of 0644 files at start, says so, and keeps new files private', async () => {
    process.umask(0o022);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-private-'));
    made.push(dir);
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'logs'), { mode: 0o755 });
    writeFileSync(join(dir, 'logs', 'old-run.log'), 'output with a secret\n', { mode: 0o644 });
    writeFileSync(join(dir, 'notes.txt'), 'x', { mode: 0o644 });
    expect(openToOthers(dir).length).toBe(4);

    const host = await startHost({ dataDir: dir, sweepIntervalMs: 0, backupOnStart: false });
    try {
      expect(host.info.notices.some((n) => n.includes(dir) && n.includes('0755'))).toBe(true);
      // PGlite created its whole cluster (db/, pg_wal...) during the start: none of it is open either.
      await host.api.invoke('agents.create', { name: 'a', adapterType: 'process', command: 'true', env: { DB_PASS: 'hunter2-secret' } });
      expect(readdirSync(join(dir, 'db')).length).toBeGreaterThan(5);
      expect(openToOthers(dir)).toEqual([]);
    } finally {
      await host.close();
    }
    expect(openToOthers(dir)).toEqual([]);

    // A second start on the now private folder has nothing to say about it.
    const again = await startHost({ dataDir: dir, sweepIntervalMs: 0, backupOnStart: false, recoverOnStart: false });
    try {
      expect(again.info.notices.filter((n) => n.includes('private'))).toEqual([]);
    } finally {
      await again.close();
    }
  }, 180_000);

  // Root only: handing a folder to another user (chown) needs root; CI runs as root.
  it.skipIf(process.getuid?.() !== 0)('refuses a folder that belongs to someone else, naming it and its mode (as root)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-foreign-'));
    made.push(dir);
    // The promise API: a host started in this process holds chmodSync to owner-only bits.
    await chmod(dir, 0o777);
    chownSync(dir, 65534, 65534);
    await expect(startHost({ dataDir: dir, sweepIntervalMs: 0, backupOnStart: false })).rejects.toThrow(new RegExp(`${dir}.*uid 65534 \\(mode 0777\\)`));
  });
});
