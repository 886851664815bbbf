// Copies a live PGlite folder in two passes, so writes are held back only briefly: a bulk pass
// while the database runs, then (the caller holding writes still) a pass that copies again
// every file that changed since, or may have: file times can be as coarse as a clock tick, so
// anything modified near or after the bulk pass began is copied again regardless.
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Files modified this close to the bulk pass's start are never trusted to be unchanged. */
const MTIME_SLACK_MS = 2_000;

interface Seen {
  size: number;
  mtimeMs: number;
}

export interface BulkCopy {
  startedAt: number;
  files: Map<string, Seen>;
}

export async function bulkCopy(src: string, dest: string): Promise<BulkCopy> {
  const startedAt = Date.now();
  const files = new Map<string, Seen>();
  const tree = await listTree(src);
  for (const dir of tree.dirs) await mkdir(join(dest, dir), { recursive: true });
  for (const rel of tree.files) {
    try {
      // Stat before copying: a write during the copy leaves a newer time than the one kept.
      const s = await stat(join(src, rel));
      await copyFile(join(src, rel), join(dest, rel));
      files.set(rel, { size: s.size, mtimeMs: s.mtimeMs });
    } catch (err) {
      // Removed meanwhile (an old WAL segment, a temp file): the second pass settles it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return { startedAt, files };
}

/** The second pass, run while nothing writes to `src`. Returns how many files it copied again. */
export async function catchUp(src: string, dest: string, bulk: BulkCopy): Promise<number> {
  const tree = await listTree(src);
  for (const dir of tree.dirs) await mkdir(join(dest, dir), { recursive: true });
  let copied = 0;
  for (const rel of tree.files) {
    const before = bulk.files.get(rel);
    const s = await stat(join(src, rel));
    const settled = s.mtimeMs < bulk.startedAt - MTIME_SLACK_MS;
    if (before && settled && before.size === s.size && before.mtimeMs === s.mtimeMs) continue;
    await copyFile(join(src, rel), join(dest, rel));
    copied++;
  }
  const now = new Set(tree.files);
  for (const rel of bulk.files.keys()) if (!now.has(rel)) await rm(join(dest, rel), { force: true });
  return copied;
}

async function listTree(root: string): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const child = rel ? join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) {
        // Empty folders matter: PostgreSQL refuses to start without pg_notify, pg_twophase, ...
        dirs.push(child);
        await walk(child);
      } else if (entry.isFile()) files.push(child);
    }
  };
  await walk('');
  return { dirs, files };
}
