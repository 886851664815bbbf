// One process owns a data folder: two writers corrupt a PGlite folder. The lock file holds the
// owner's pid and start identity; a lock whose owner is gone (or whose pid was reused) is stale
// and taken over. A lock file appears whole (written aside, then hard-linked into place), and a
// stale one is taken over only under a second, short-lived lock, so that of many starters racing
// over one stale lock exactly one wins.
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
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

/** How long starters keep trying while others take over a stale lock. */
const ACQUIRE_TIMEOUT_MS = 10_000;
/** A takeover holds its lock for microseconds: one this old belongs to a starter that died in it. */
const TAKEOVER_STALE_MS = 5_000;

function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startId: parsed.startId ?? null, at: String(parsed.at) } : null;
  } catch {
    return null;
  }
}

const exists = (path: string) => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};

/** Creates path holding content, whole, unless it exists. False if it existed. */
function createWhole(path: string, content: LockContent): boolean {
  const staging = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(staging, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(staging, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A filesystem without hard links: create in place (a reader may then see it empty for an instant).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createInPlace(path, content);
    throw err;
  } finally {
    unlinkSync(staging);
  }
}

function createInPlace(path: string, content: LockContent): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  return true;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = lockPathOf(dataDir);
  const takeoverPath = `${path}.takeover`;
  const content: LockContent = { pid: process.pid, startId: readStartIdentity(process.pid), at: new Date().toISOString() };
  const refuseIfOwned = () => {
    const owner = readLock(path);
    if (owner && (owner.pid === process.pid || isSameProcess(owner.pid, owner.startId))) throw new DataDirLockedError(dataDir, owner.pid);
  };
  const deadline = Date.now() + ACQUIRE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (createWhole(path, content)) return makeLock(path);
    refuseIfOwned();
    // Stale (owner gone, pid reused) or unreadable: take it over, one starter at a time.
    if (!createWhole(takeoverPath, content)) {
      try {
        if (Date.now() - statSync(takeoverPath).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(takeoverPath);
      } catch {
        /* the takeover just ended */
      }
      sleepSync(5 + Math.random() * 10);
      continue;
    }
    try {
      // Judged again under the takeover lock: another starter may have taken it meanwhile.
      if (exists(path)) {
        refuseIfOwned();
        unlinkSync(path);
      }
      if (createWhole(path, content)) return makeLock(path);
    } finally {
      try {
        unlinkSync(takeoverPath);
      } catch {
        /* judged stale and cleared by a starter that waited longer than a takeover can take */
      }
    }
  }
  throw new Error(`could not take the lock on ${dataDir} within ${ACQUIRE_TIMEOUT_MS / 1000} s: other Vigil processes keep starting on it`);
}

/** Who holds a data folder's lock, without taking it (for `vigil doctor`). */
export type LockState = { state: 'free' } | { state: 'owned'; pid: number; since: string } | { state: 'stale'; pid: number | null };

export function inspectDataDirLock(dataDir: string): LockState {
  const path = lockPathOf(dataDir);
  if (!exists(path)) return { state: 'free' };
  const owner = readLock(path);
  if (!owner) return { state: 'stale', pid: null };
  return isSameProcess(owner.pid, owner.startId) ? { state: 'owned', pid: owner.pid, since: owner.at } : { state: 'stale', pid: owner.pid };
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
