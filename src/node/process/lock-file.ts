// A lock file owned by one live process: it holds the owner's pid and start identity (and
// whatever else the owner records); a lock whose owner is gone (or whose pid was reused) is stale
// and taken over. A lock file appears whole (written aside, then hard-linked into place), and a
// stale one is taken over only under a second, short-lived lock, so that of many starters racing
// over one stale lock exactly one wins. The data-folder lock (db/lock.ts) and the pty host's
// identity file (src/ptyhost/) are both such locks.
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { isSameProcess, readStartIdentity } from './identity';

export interface LockFile {
  readonly path: string;
  release(): void;
}

export interface LockContent {
  pid: number;
  startId: string | null;
  at: string;
  /** Whatever else the owner records (the pty host: its protocol version). */
  [extra: string]: unknown;
}

/** How long starters keep trying while others take over a stale lock. */
const ACQUIRE_TIMEOUT_MS = 10_000;
/** A takeover holds its lock for microseconds: one this old belongs to a starter that died in it. */
const TAKEOVER_STALE_MS = 5_000;

export function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { ...parsed, pid: parsed.pid, startId: parsed.startId ?? null, at: String(parsed.at) } : null;
  } catch {
    return null; // absent, or half-written by a starter right now: no owner to read
  }
}

const exists = (path: string) => {
  try {
    statSync(path);
    return true;
  } catch {
    return false; // absent (or not ours to see): the same to a starter
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

/**
 * Takes the lock at `path`, recording `extra` beside pid and start identity; while a live
 * process owns it, throws `owned(owner)`. `what` names the lock in a timeout error.
 */
export function acquireLockFile(path: string, extra: Record<string, unknown>, owned: (owner: LockContent) => Error, what = path): LockFile {
  const takeoverPath = `${path}.takeover`;
  const content: LockContent = { ...extra, pid: process.pid, startId: readStartIdentity(process.pid), at: new Date().toISOString() };
  const refuseIfOwned = () => {
    const owner = readLock(path);
    if (owner && (owner.pid === process.pid || isSameProcess(owner.pid, owner.startId))) throw owned(owner);
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
  throw new Error(`could not take the lock on ${what} within ${ACQUIRE_TIMEOUT_MS / 1000} s: other Vigil processes keep starting on it`);
}

function makeLock(path: string): LockFile {
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
