// One process owns a data folder: two writers corrupt a PGlite folder. The lock file holds the
// owner's pid and start identity; a lock whose owner is gone (or whose pid was reused) is stale
// and taken over.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { lockPathOf } from '../paths';
import { isSameProcess, readStartIdentity } from '../process/identity';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`The data folder ${dataDir} is in use by another Vigil process (pid ${ownerPid}). Stop it first, or use another --data-dir.`);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockContent {
  pid: number;
  startId: string | null;
  at: string;
}

function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startId: parsed.startId ?? null, at: String(parsed.at) } : null;
  } catch {
    return null;
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = lockPathOf(dataDir);
  const content: LockContent = { pid: process.pid, startId: readStartIdentity(process.pid), at: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(content));
      closeSync(fd);
      return makeLock(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readLock(path);
    if (owner && owner.pid !== process.pid && isSameProcess(owner.pid, owner.startId)) {
      throw new DataDirLockedError(dataDir, owner.pid);
    }
    if (owner && owner.pid === process.pid) throw new DataDirLockedError(dataDir, owner.pid);
    // Stale (owner gone, pid reused, or unreadable): move it aside atomically and retry, so
    // two starters racing over one stale lock cannot both win.
    try {
      renameSync(path, `${path}.stale-${process.pid}`);
      unlinkSync(`${path}.stale-${process.pid}`);
    } catch {
      /* another starter moved it first; retry */
    }
  }
  throw new Error(`could not take the lock on ${dataDir}`);
}

function makeLock(path: string): DataDirLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const owner = readLock(path);
      if (owner?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
