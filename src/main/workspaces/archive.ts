// A discarded issue branch is not deleted: it is kept as refs/heads/vigil/archive/<name>-<time>
// (with what the agent left uncommitted, as one more commit) for ARCHIVE_DAYS, restorable until
// then; the start-up sweep deletes the expired ones. Each is one atomic ref creation: no checkout
// is touched.
import { existsSync } from 'node:fs';
import { snapshotTree } from './diff';
import { git, gitOut } from './git';
import { branchExists, hasUncommittedChanges, identityEnv } from './worktree';

export const ARCHIVE_DAYS = 14;
export const ARCHIVE_PREFIX = 'vigil/archive/';

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');

/** Keeps the branch (and the worktree's uncommitted changes) under an archive name; returns it. */
export async function archiveBranch(repo: string, worktree: string, branch: string, now = new Date()): Promise<{ archive: string; commit: string; expiresAt: Date } | null> {
  if (!(await branchExists(repo, branch))) return null;
  let commit = await gitOut(repo, ['rev-parse', `refs/heads/${branch}^{commit}`]);
  if (existsSync(worktree) && (await hasUncommittedChanges(worktree).catch(() => false))) {
    const tree = await snapshotTree(worktree);
    commit = await gitOut(repo, ['commit-tree', tree, '-p', commit, '-m', `Uncommitted changes of ${branch}, kept by Vigil when it was discarded`], { env: await identityEnv(repo) });
  }
  const archive = `${ARCHIVE_PREFIX}${branch.replace(/^vigil\//, '')}-${stamp(now)}`;
  // Create-only: an archive of that name already there is never overwritten.
  await git(repo, ['update-ref', '-m', `vigil: archive ${branch}`, `refs/heads/${archive}`, commit, '0'.repeat(40)]);
  return { archive, commit, expiresAt: new Date(now.getTime() + ARCHIVE_DAYS * 86_400_000) };
}

/** Makes `branch` again from its archive (create-only) and deletes the archive name. */
export async function restoreArchive(repo: string, archive: string, branch: string): Promise<string> {
  if (!(await branchExists(repo, archive))) throw new Error(`the archived branch ${archive} no longer exists`);
  if (await branchExists(repo, branch)) throw new Error(`a branch ${branch} exists again; rename or delete it, then restore`);
  const commit = await gitOut(repo, ['rev-parse', `refs/heads/${archive}^{commit}`]);
  await git(repo, ['update-ref', '-m', `vigil: restore ${archive}`, `refs/heads/${branch}`, commit, '0'.repeat(40)]);
  await git(repo, ['update-ref', '-d', `refs/heads/${archive}`, commit]);
  return commit;
}

/** Deletes an expired archive, only if it still points where it did (nobody built on it). */
export async function dropArchive(repo: string, archive: string): Promise<void> {
  if (await branchExists(repo, archive)) await git(repo, ['branch', '-D', '--quiet', archive]);
}
