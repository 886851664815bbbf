// What an issue's worktree changed against its base: committed and uncommitted, untracked files
// included. The working tree is snapshotted into a temporary index (a copy of the worktree's,
// so git's stat cache keeps it fast) and written as a tree; the real index is never touched.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { git, gitOut } from './git';

export type FileChange = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type_changed';

export interface ChangedFile {
  path: string;
  /** The path before a rename or copy. */
  oldPath: string | null;
  change: FileChange;
  /** null for binary files. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
}

export interface WorktreeDiff {
  /** The commit the changes are measured from: where the branch left the base branch. */
  fromCommit: string;
  headCommit: string;
  /** Commits on the branch that the base branch does not have. */
  commitsAhead: number;
  uncommitted: boolean;
  files: ChangedFile[];
  additions: number;
  deletions: number;
  /** Unified diff, when asked for; cut at maxPatchBytes. */
  patch: string | null;
  patchTruncated: boolean;
}

const CHANGE: Record<string, FileChange> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type_changed' };

export const MAX_PATCH_BYTES = 2 << 20;

/** The worktree as it is on disk, as a tree object: HEAD plus every change, untracked files too. */
export async function snapshotTree(worktree: string): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-index-'));
  const index = join(scratch, 'index');
  try {
    const gitIndex = await gitOut(worktree, ['rev-parse', '--git-path', 'index']);
    const real = isAbsolute(gitIndex) ? gitIndex : join(worktree, gitIndex);
    if (existsSync(real)) copyFileSync(real, index);
    const env = { GIT_INDEX_FILE: index };
    if (!existsSync(real)) await git(worktree, ['read-tree', 'HEAD'], { env });
    await git(worktree, ['add', '--all', '--', '.'], { env });
    return await gitOut(worktree, ['write-tree'], { env });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Where the branch left the base branch (its merge base), else the recorded base commit. */
export async function diffBase(worktree: string, baseBranch: string, baseCommit: string): Promise<string> {
  const mergeBase = await git(worktree, ['merge-base', `refs/heads/${baseBranch}`, 'HEAD'], { okCodes: [1, 128] });
  return mergeBase.code === 0 && mergeBase.stdout.trim() ? mergeBase.stdout.trim() : baseCommit;
}

export async function worktreeDiff(
  worktree: string,
  base: { branch: string; commit: string },
  opts: { patch: boolean; maxPatchBytes?: number } = { patch: false },
): Promise<WorktreeDiff> {
  const from = await diffBase(worktree, base.branch, base.commit);
  const headCommit = await gitOut(worktree, ['rev-parse', 'HEAD']);
  const tree = await snapshotTree(worktree);
  const headTree = await gitOut(worktree, ['rev-parse', 'HEAD^{tree}']);
  const ahead = Number(await gitOut(worktree, ['rev-list', '--count', `${from}..HEAD`])) || 0;
  const files = await changedFiles(worktree, from, tree);
  let patch: string | null = null;
  let patchTruncated = false;
  if (opts.patch) {
    const max = opts.maxPatchBytes ?? MAX_PATCH_BYTES;
    const full = (await git(worktree, ['diff', '--no-color', '--no-ext-diff', '-M', from, tree], { maxBuffer: 256 << 20 })).stdout;
    patchTruncated = Buffer.byteLength(full) > max;
    patch = patchTruncated ? Buffer.from(full).subarray(0, max).toString('utf8').replace(/\n[^\n]*$/, '\n') : full;
  }
  return {
    fromCommit: from,
    headCommit,
    commitsAhead: ahead,
    uncommitted: tree !== headTree,
    files,
    additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
    deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
    patch,
    patchTruncated,
  };
}

async function changedFiles(cwd: string, from: string, to: string): Promise<ChangedFile[]> {
  const status = (await git(cwd, ['diff', '--no-color', '--name-status', '-z', '-M', from, to])).stdout.split('\0');
  const numstat = (await git(cwd, ['diff', '--no-color', '--numstat', '-z', '-M', from, to])).stdout.split('\0');
  const counts = new Map<string, { additions: number | null; deletions: number | null }>();
  for (let i = 0; i < numstat.length; i++) {
    const entry = numstat[i];
    if (!entry) continue;
    const [add, del, path] = entry.split('\t');
    // A rename's numstat is "a\td\t" followed by the old and new paths as their own fields.
    const target = path === '' ? numstat[(i += 2)] : path;
    counts.set(target, { additions: add === '-' ? null : Number(add), deletions: del === '-' ? null : Number(del) });
  }
  const files: ChangedFile[] = [];
  for (let i = 0; i < status.length; i++) {
    const code = status[i];
    if (!code) continue;
    const letter = code[0];
    const twoPaths = letter === 'R' || letter === 'C';
    const oldPath = twoPaths ? status[++i] : null;
    const path = status[++i];
    const n = counts.get(path) ?? { additions: null, deletions: null };
    files.push({ path, oldPath, change: CHANGE[letter] ?? 'modified', additions: n.additions, deletions: n.deletions, binary: n.additions === null });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
