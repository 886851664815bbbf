// One process owns a data folder: two writers corrupt a PGlite folder. The lock file holds the
// owner's pid and start identity; how it is taken (whole, race-safe over a stale one) is in
// process/lock-file.ts.
import { existsSync, mkdirSync } from 'node:fs';
import { lockPathOf } from '../../node/paths';
import { isSameProcess } from '../../node/process/identity';
import { acquireLockFile, readLock, type LockFile } from '../../node/process/lock-file';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`The data folder ${dataDir} is in use by another Vigil process (pid ${ownerPid}). Stop it first, or use another --data-dir.`);
    this.name = 'DataDirLockedError';
  }
}

export type DataDirLock = LockFile;

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return acquireLockFile(lockPathOf(dataDir), {}, (owner) => new DataDirLockedError(dataDir, owner.pid), dataDir);
}

/** Who holds a data folder's lock, without taking it (for `vigil doctor`). */
export type LockState = { state: 'free' } | { state: 'owned'; pid: number; since: string } | { state: 'stale'; pid: number | null };

export function inspectDataDirLock(dataDir: string): LockState {
  const path = lockPathOf(dataDir);
  if (!existsSync(path)) return { state: 'free' };
  const owner = readLock(path);
  if (!owner) return { state: 'stale', pid: null };
  return isSameProcess(owner.pid, owner.startId) ? { state: 'owned', pid: owner.pid, since: owner.at } : { state: 'stale', pid: owner.pid };
}
