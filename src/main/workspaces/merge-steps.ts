// The steps of a journaled merge that touch a repository, each safe to run again after a kill at
// any instant: the git child of each step is recorded in the journal before it starts, runs
// detached (see detached-git.ts), and is proven dead before a lock it may have left is removed.
import { existsSync, lstatSync, readdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isSameProcess } from '../../node/process/identity';
import { detachedGit } from './detached-git';
import { git, gitOut } from './git';
import { removeJournal, writeJournal, type MergeJournal } from './merge-journal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A journal and the folder it lives in; every change of step is written before it is taken. */
export class JournaledMerge {
  constructor(
    readonly dir: string,
    public j: MergeJournal,
  ) {}

  save(patch: Partial<MergeJournal> = {}): void {
    this.j = { ...this.j, ...patch };
    writeJournal(this.dir, this.j);
  }

  drop(): void {
    removeJournal(this.dir, this.j.id);
  }

  /** A git that changes the repository: recorded, detached, its pid noted as soon as it runs. */
  async git(cwd: string, args: string[], locks: string[], opts: { env?: Record<string, string>; stdinFile?: string; okCodes?: number[] } = {}) {
    this.save({ git: { locks, startedAt: Date.now(), pid: null, startId: null } });
    const res = await detachedGit(cwd, args, {
      ...opts,
      scratch: this.dir,
      onSpawn: (pid, startId) => this.save({ git: { ...this.j.git!, pid, startId } }),
    });
    this.save({ git: null });
    return res;
  }

  /**
   * After a kill: waits for the recorded git to finish (a detached git usually does), then removes
   * the locks it may have left, only those made after it was started. 'running' if it still runs.
   */
  async settle(waitMs = 60_000): Promise<'settled' | 'running'> {
    const g = this.j.git;
    if (!g) return 'settled';
    const deadline = Date.now() + waitMs;
    if (g.pid) {
      while (isSameProcess(g.pid, g.startId)) {
        if (Date.now() > deadline) return 'running';
        await sleep(100);
      }
    } else {
      // Killed between recording the step and noting the pid: a git may have started; give it
      // time to finish and release its locks before they are judged stale.
      const softDeadline = Math.min(deadline, Date.now() + 10_000);
      while (g.locks.some((l) => existsSync(l)) && Date.now() < softDeadline) await sleep(100);
    }
    for (const lock of g.locks) {
      try {
        if (statSync(lock).mtimeMs >= g.startedAt - 2_000) rmSync(lock, { force: true });
      } catch {
        // gone already
      }
    }
    this.save({ git: null });
    return 'settled';
  }
}

export async function gitDirsOf(cwd: string): Promise<{ gitDir: string; commonDir: string }> {
  const gitDir = await gitOut(cwd, ['rev-parse', '--absolute-git-dir']);
  const commonDir = resolve(cwd, await gitOut(cwd, ['rev-parse', '--git-common-dir']));
  return { gitDir, commonDir };
}

export const refLocks = (commonDir: string, ref: string) => [join(commonDir, `${ref}.lock`), join(commonDir, 'packed-refs.lock')];

/** Paths that differ between two commits (no rename detection: each side's path on its own). */
export async function changedPaths(repo: string, from: string, to: string): Promise<string[]> {
  const out = (await git(repo, ['diff', '--name-only', '-z', '--no-renames', from, to])).stdout;
  return out.split('\0').filter(Boolean);
}

/** `ls-tree -r -z` records of `commit` for the given paths, by path. */
export async function treeEntries(repo: string, commit: string, paths: Set<string>): Promise<Map<string, string>> {
  const out = (await git(repo, ['ls-tree', '-r', '-z', '--full-tree', commit])).stdout;
  const found = new Map<string, string>();
  for (const rec of out.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const path = rec.slice(tab + 1);
    if (paths.has(path)) found.set(path, rec);
  }
  return found;
}

/**
 * Why moving the checkout from `from` to `to` could lose something of the user's, or null: a
 * local change (staged, unstaged, untracked) on a path the merge changes, or a file already where
 * the merge adds one.
 */
export async function checkoutBlockers(checkout: string, from: string, to: string): Promise<string[]> {
  const changed = new Set(await changedPaths(checkout, from, to));
  const blockers = new Set<string>();
  const recs = (await git(checkout, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).stdout.split('\0');
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i];
    if (rec.length < 4) continue;
    const paths = [rec.slice(3)];
    if (rec[0] === 'R' || rec[0] === 'C') paths.push(recs[++i] ?? '');
    for (const p of paths) if (changed.has(p)) blockers.add(p);
  }
  const before = await treeEntries(checkout, from, changed);
  for (const p of changed) {
    if (before.has(p) || blockers.has(p)) continue;
    try {
      lstatSync(join(checkout, p));
      blockers.add(p);
    } catch {
      // nothing there: the merge may add it
    }
  }
  return [...blockers].sort();
}

function removeEmptyParents(root: string, path: string): void {
  for (let dir = dirname(path); dir.startsWith(root) && dir !== root; dir = dirname(dir)) {
    try {
      if (readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/**
 * Makes the checkout's files and index what `to` has on every path that differs between `from`
 * and `to`, leaving every other path (and the user's changes there) alone. Idempotent: run again
 * after a kill at any instant, it ends in the same state. The branch is not moved here.
 */
export async function moveCheckoutFiles(m: JournaledMerge, checkout: string, from: string, to: string): Promise<void> {
  const changed = await changedPaths(checkout, from, to);
  if (changed.length === 0) return;
  const wanted = await treeEntries(checkout, to, new Set(changed));
  const root = resolve(checkout);
  // Paths `to` does not have go first: a folder may stand where `to` has a file.
  for (const p of changed) {
    if (wanted.has(p)) continue;
    const abs = join(root, p);
    rmSync(abs, { force: true });
    removeEmptyParents(root, abs);
  }
  const scratchIndex = join(m.dir, `${m.j.id}.index`);
  const list = join(m.dir, `${m.j.id}.paths`);
  rmSync(scratchIndex, { force: true });
  if (wanted.size > 0) {
    // The files, from an index of only the changed paths, so nothing else in the checkout is written.
    writeFileSync(list, [...wanted.values()].map((r) => `${r}\0`).join(''));
    const env = { GIT_INDEX_FILE: scratchIndex };
    await m.git(checkout, ['update-index', '-z', '--index-info'], [`${scratchIndex}.lock`], { env, stdinFile: list });
    await m.git(checkout, ['checkout-index', '--all', '--force'], [`${scratchIndex}.lock`], { env });
  }
  // The real index, in one locked write: changed paths as `to` has them, the others removed.
  const zero = '0'.repeat(40);
  writeFileSync(list, changed.map((p) => `${wanted.get(p) ?? `0 ${zero}\t${p}`}\0`).join(''));
  const { gitDir } = await gitDirsOf(checkout);
  await m.git(checkout, ['update-index', '-z', '--index-info'], [join(gitDir, 'index.lock')], { stdinFile: list });
  await m.git(checkout, ['update-index', '-q', '--refresh'], [join(gitDir, 'index.lock')], { okCodes: [1] });
  rmSync(scratchIndex, { force: true });
  rmSync(list, { force: true });
}

/** The tip of a branch, or null when it does not exist. */
export async function tipOf(repo: string, branch: string): Promise<string | null> {
  return (await git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { okCodes: [1] })).stdout.trim() || null;
}

/** Moves the base branch from oldTip to target, only if it is still at oldTip (compare and swap). */
export async function moveBaseBranch(m: JournaledMerge): Promise<void> {
  const { repo, baseBranch, oldTip, target, branch } = m.j;
  const ref = `refs/heads/${baseBranch}`;
  const { gitDir, commonDir } = await gitDirsOf(repo);
  // When the checkout's HEAD points at the branch, git locks HEAD too (it writes HEAD's reflog):
  // a git killed then leaves HEAD.lock, and every git command in the user's checkout refuses.
  await m.git(repo, ['update-ref', '-m', `vigil: merge ${branch}`, ref, target!, oldTip!], [...refLocks(commonDir, ref), join(gitDir, 'HEAD.lock')]);
}
