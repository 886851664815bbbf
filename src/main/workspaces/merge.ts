// Merging an issue's branch into its base branch without ever leaving anything half-merged:
// the merge is computed as objects (`git merge-tree --write-tree`, then `commit-tree`), and only
// a finished result moves the base branch, in one step: `update-ref` with the old value checked,
// or, when the base branch is checked out, a fast-forward of that checkout, which git refuses
// (changing nothing) rather than overwrite local changes.
import { git, gitOut, gitTest } from './git';
import { checkoutOf, hasUncommittedChanges, identityEnv } from './worktree';

export type MergeOutcome =
  | { kind: 'merged'; method: 'fast_forward' | 'merge_commit'; commit: string; committedChanges: boolean; checkout: string | null }
  | { kind: 'already_merged'; commit: string; committedChanges: boolean }
  | { kind: 'conflict'; files: string[]; committedChanges: boolean }
  | { kind: 'refused'; reason: string; committedChanges: boolean };

export interface MergeRequest {
  repo: string;
  worktree: string;
  branch: string;
  baseBranch: string;
  /** Message of the commit that takes the agent's uncommitted changes. */
  commitMessage: string;
  /** Message of the merge commit, when a fast-forward is not possible. */
  mergeMessage: string;
}

/** Commits everything the agent left uncommitted (untracked files too). True if there was anything. */
export async function commitPending(worktree: string, message: string): Promise<boolean> {
  if (!(await hasUncommittedChanges(worktree))) return false;
  const env = await identityEnv(worktree);
  await git(worktree, ['add', '--all', '--', '.'], { env });
  // Vigil's bookkeeping commit: the repository's hooks judge the merge, not this.
  await git(worktree, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message], { env });
  return true;
}

const serial = new Map<string, Promise<unknown>>();

/** One merge at a time per repository: two merges racing for one base branch would lose one. */
function oneAtATime<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  const prev = serial.get(repo) ?? Promise.resolve();
  // Only the order matters here: each merge's failure is its own caller's to report.
  const next = prev.catch(() => undefined).then(fn);
  serial.set(repo, next);
  void next.finally(() => serial.get(repo) === next && serial.delete(repo)).catch(() => undefined);
  return next;
}

export function mergeWorktree(req: MergeRequest): Promise<MergeOutcome> {
  return oneAtATime(req.repo, () => mergeNow(req));
}

async function mergeNow(req: MergeRequest): Promise<MergeOutcome> {
  const committedChanges = await commitPending(req.worktree, req.commitMessage);
  const baseRef = `refs/heads/${req.baseBranch}`;
  const head = await gitOut(req.worktree, ['rev-parse', '--verify', `refs/heads/${req.branch}^{commit}`]);
  const baseTip = (await git(req.repo, ['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`], { okCodes: [1] })).stdout.trim();
  if (!baseTip) return { kind: 'refused', reason: `the base branch ${req.baseBranch} no longer exists`, committedChanges };
  if (await gitTest(req.repo, ['merge-base', '--is-ancestor', head, baseTip])) return { kind: 'already_merged', commit: baseTip, committedChanges };

  let target = head;
  let method: 'fast_forward' | 'merge_commit' = 'fast_forward';
  if (!(await gitTest(req.repo, ['merge-base', '--is-ancestor', baseTip, head]))) {
    const merged = await git(req.repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', baseTip, head], { okCodes: [1] });
    const [tree, ...rest] = merged.stdout.split('\n');
    if (merged.code === 1) {
      const files = [...new Set(rest.map((l) => l.trim()).filter(Boolean))];
      return { kind: 'conflict', files, committedChanges };
    }
    const env = await identityEnv(req.repo);
    target = await gitOut(req.repo, ['commit-tree', tree.trim(), '-p', baseTip, '-p', head, '-m', req.mergeMessage], { env });
    method = 'merge_commit';
  }

  const checkout = await checkoutOf(req.repo, req.baseBranch);
  if (checkout) {
    // The checkout's working tree follows. git refuses, and changes nothing, when local changes
    // would be overwritten; unrelated local changes stay as they are.
    const ff = await git(checkout, ['merge', '--ff-only', '--quiet', '--no-edit', target], { okCodes: [1, 128] });
    if (ff.code !== 0) {
      const said = (ff.stderr.trim() || ff.stdout.trim()).split('\n').filter(Boolean).slice(0, 6).join(' ');
      return { kind: 'refused', reason: `the checkout of ${req.baseBranch} at ${checkout} was left as it is: ${said}`, committedChanges };
    }
  } else {
    await git(req.repo, ['update-ref', '-m', `vigil: merge ${req.branch}`, baseRef, target, baseTip]);
  }
  return { kind: 'merged', method, commit: target, committedChanges, checkout };
}
