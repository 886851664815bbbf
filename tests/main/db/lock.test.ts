// The data-folder lock against real processes: a live owner refuses a second taker naming its
// pid; a dead owner's lock, and one whose pid now belongs to another process, are taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../../../src/main/db/lock';
import { lockPathOf } from '../../../src/node/paths';
import { readStartIdentity } from '../../../src/node/process/identity';
import { tempDir } from '../../helpers/stores';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function folder(): string {
  const { dir, cleanup } = tempDir('vigil-lock-');
  cleanups.push(cleanup);
  return dir;
}

function liveProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

/** The lock file as an owner with this pid and start identity leaves it. */
function writeLockOf(dir: string, pid: number, startId: string | null): void {
  writeFileSync(lockPathOf(dir), JSON.stringify({ pid, startId, at: new Date().toISOString() }));
}

const ownerPid = (dir: string) => (JSON.parse(readFileSync(lockPathOf(dir), 'utf8')) as { pid: number }).pid;

describe('data-folder lock', () => {
  it('refuses a second taker, naming the live owner\'s pid', () => {
    const dir = folder();
    const owner = liveProcess();
    writeLockOf(dir, owner.pid!, readStartIdentity(owner.pid!));
    expect(readStartIdentity(owner.pid!)).not.toBeNull();
    let err: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).ownerPid).toBe(owner.pid);
    expect((err as Error).message).toContain(`pid ${owner.pid}`);
    expect(ownerPid(dir)).toBe(owner.pid);

    // This process holding it: a second acquire here is refused too.
    const other = folder();
    const held = acquireDataDirLock(other);
    expect(() => acquireDataDirLock(other)).toThrow(`pid ${process.pid}`);
    held.release();
  });

  it("takes over a dead owner's lock", async () => {
    const dir = folder();
    const owner = liveProcess();
    const startId = readStartIdentity(owner.pid!);
    await new Promise((r) => {
      owner.once('exit', r);
      owner.kill('SIGKILL');
    });
    writeLockOf(dir, owner.pid!, startId);
    const lock = acquireDataDirLock(dir);
    expect(ownerPid(dir)).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another live process', () => {
    const dir = folder();
    const other = liveProcess();
    // Same pid, another start identity (a real one: this process's): the recorded owner died and
    // its pid was handed to the live process.
    writeLockOf(dir, other.pid!, readStartIdentity(process.pid));
    const lock = acquireDataDirLock(dir);
    expect(ownerPid(dir)).toBe(process.pid);
    lock.release();
  });
});

describe('data-folder lock under contention', () => {
  /** Starts n processes that all try to take the folder's lock at the same instant. */
  async function race(dir: string, n: number): Promise<string[]> {
    const go = Date.now() + 1500;
    const probe = [
      "import { existsSync } from 'node:fs';",
      "import { acquireDataDirLock } from './src/main/db/lock.ts';",
      `while (Date.now() < ${go}) {}`,
      'let outcome;',
      "try { acquireDataDirLock(process.env.LOCK_DIR); outcome = 'won'; } catch (e) { outcome = e.name === 'DataDirLockedError' ? 'refused' : 'error: ' + e.message; }",
      'console.log(outcome);',
      // A winner holds the lock until every starter has decided (a slow starter, on a loaded
      // machine, would otherwise find the winner gone and rightly take its stale lock).
      "if (outcome === 'won') while (!existsSync(process.env.LOCK_DIR + '/decided')) await new Promise((r) => setTimeout(r, 20));",
    ].join('\n');
    const children = Array.from({ length: n }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
        cwd: ROOT,
        env: { ...process.env, LOCK_DIR: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    let decided = 0;
    const oneDecided = () => {
      if (++decided === n) writeFileSync(join(dir, 'decided'), '');
    };
    return Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = '';
            child.stdout!.on('data', (d) => {
              const had = out.includes('\n');
              out += String(d);
              if (!had && out.includes('\n')) oneDecided();
            });
            child.on('exit', () => {
              if (!out.includes('\n')) oneDecided();
              resolve(out.trim());
            });
          }),
      ),
    );
  }

  it('lets exactly one of many simultaneous starters take a stale lock', async () => {
    for (let round = 0; round < 4; round++) {
      const dir = folder();
      writeLockOf(dir, 999_999_999, 'gone');
      const outcomes = await race(dir, 6);
      expect(outcomes.filter((o) => o === 'won'), `round ${round}: ${outcomes.join(', ')}`).toHaveLength(1);
      expect(outcomes.filter((o) => o !== 'won' && o !== 'refused')).toEqual([]);
    }
  }, 120_000);
});
