// Exits a pty host holds that no host collected: written to `<data>/ptyhost-exits.json` by a pty
// host that goes with no live session and no host connected, read and acknowledged by the next
// host at start (src/main/ptyhost/reattach.ts), so each run is finalized with its real exit.
// One writer at a time (a lock file made with O_EXCL), and the file replaced by a rename: a crash
// at any instant leaves the old list or the new one, never half of one.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PtySessionInfo } from '../../shared/ptyhost-protocol';

export const exitsPathOf = (dataDir: string) => join(dataDir, 'ptyhost-exits.json');

const ExitsFile = z.object({ version: z.literal(1), sessions: z.array(PtySessionInfo) });
/** A lock older than this is a crashed writer's. */
const STALE_LOCK_MS = 10_000;

/** The ended sessions recorded there (an unreadable file counts as none: it is replaced on the next write). */
export function readExits(dataDir: string): PtySessionInfo[] {
  try {
    return ExitsFile.parse(JSON.parse(readFileSync(exitsPathOf(dataDir), 'utf8'))).sessions.filter((s) => s.exit !== null);
  } catch {
    return [];
  }
}

function withLock<T>(dataDir: string, fn: () => T): T {
  const lock = `${exitsPathOf(dataDir)}.lock`;
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
      } catch {
        // released meanwhile: try again
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held by another writer`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    unlinkSync(lock);
  }
}

function replace(dataDir: string, sessions: PtySessionInfo[]): void {
  const path = exitsPathOf(dataDir);
  if (sessions.length === 0) {
    try {
      unlinkSync(path);
    } catch {
      // none there: nothing to remove
    }
    return;
  }
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ version: 1, sessions }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Adds ended sessions (a session already listed is replaced). */
export function addExits(dataDir: string, ended: PtySessionInfo[]): void {
  withLock(dataDir, () => {
    const keep = readExits(dataDir).filter((s) => !ended.some((e) => e.session === s.session));
    replace(dataDir, [...keep, ...ended]);
  });
}

/** The host recorded these ends: they are forgotten. */
export function acknowledgeExits(dataDir: string, sessions: string[]): void {
  withLock(dataDir, () => replace(dataDir, readExits(dataDir).filter((s) => !sessions.includes(s.session))));
}
