// One process owns a data folder: two writers corrupt a PGlite folder. The lock file holds the
// owner's pid and start identity; how it is taken (whole, race-safe over a stale one) is in
// process/lock-file.ts.
import { mkdirSync } from 'node:fs';
import { lockPathOf } from '../paths';
import { acquireLockFile, type LockFile } from '../process/lock-file';

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
