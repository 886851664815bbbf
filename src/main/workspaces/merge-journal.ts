// The merge journal: one small JSON file per merge in flight, in the data folder's merges/
// folder, written before anything moves and replaced (write to a temporary file, fsync, rename,
// fsync the folder) at each step. A file, not a database row: it must be readable when the
// database is not (a merge is git's business), and a rename is atomic on every filesystem Vigil
// supports, so a kill leaves the previous step or the next, never half a record.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A git child that may hold locks: recorded before it is started, its pid as soon as it runs. */
export interface JournalGit {
  /** The lock files this git may create; removed at start only when the git is proven dead. */
  locks: string[];
  startedAt: number;
  pid: number | null;
  startId: string | null;
}

export type MergePhase =
  /** The agent's uncommitted changes are being committed in its own worktree; nothing else moved. */
  | 'committing'
  /** The result is computed as objects; the base branch and the checkout are being moved to it. */
  | 'applying'
  /** The base branch points at the result: only the issue's records remain. */
  | 'moved';

export interface MergeJournal {
  version: 1;
  id: string;
  /** The issue and workspace row, for the bookkeeping a restart finishes (null in git-only use). */
  issueId: string | null;
  workspaceId: string | null;
  repo: string;
  worktree: string;
  branch: string;
  baseBranch: string;
  phase: MergePhase;
  committedChanges: boolean;
  oldTip: string | null;
  target: string | null;
  method: 'fast_forward' | 'merge_commit' | 'squash' | 'rebase' | null;
  /** The checkout of the base branch whose files follow, or null when it is not checked out. */
  checkout: string | null;
  git: JournalGit | null;
  startedAt: string;
}

export const mergeJournalDirOf = (dataDir: string) => join(dataDir, 'merges');

const fileOf = (dir: string, id: string) => join(dir, `${id}.json`);

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  }
}

export function writeJournal(dir: string, j: MergeJournal): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${fileOf(dir, j.id)}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(j, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, fileOf(dir, j.id));
  fsyncDir(dir);
}

export function removeJournal(dir: string, id: string): void {
  rmSync(fileOf(dir, id), { force: true });
  rmSync(join(dir, `${id}.paths`), { force: true });
  rmSync(join(dir, `${id}.index`), { force: true });
  rmSync(join(dir, `${id}.index.lock`), { force: true });
  fsyncDir(dir);
}

/** Every journal in the folder; an unreadable one is returned as its file name and reason. */
export function readJournals(dir: string): { journals: MergeJournal[]; unreadable: { file: string; reason: string }[] } {
  const journals: MergeJournal[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  if (!existsSync(dir)) return { journals, unreadable };
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      const j = JSON.parse(readFileSync(join(dir, name), 'utf8')) as MergeJournal;
      if (j.version !== 1 || !j.id || !j.repo) throw new Error('not a merge journal of this version');
      journals.push(j);
    } catch (err) {
      unreadable.push({ file: join(dir, name), reason: (err as Error).message });
    }
  }
  return { journals, unreadable };
}
