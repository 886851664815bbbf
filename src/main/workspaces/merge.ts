// Merging an issue's branch into its base branch as a journaled operation. The journal
// (merge-journal.ts) is written before anything moves; the result is computed as objects
// (`git merge-tree --write-tree`, then `commit-tree`); the checkout of the base branch, if any,
// gets the changed paths' files and index entries (merge-steps.ts, idempotent); then the branch
// moves by compare-and-swap. Every git that writes runs detached, so a host killed at any instant
// leaves either nothing moved or a journal the next start finishes (merge-recovery.ts).
import { randomUUID } from 'node:crypto';
import { gitOut } from './git';
import { mergedInto } from './merged-check';
import type { MergeJournal } from './merge-journal';
import { planTarget, type MergeMethod, type Strategy } from './merge-strategies';
import { checkoutBlockers, gitDirsOf, JournaledMerge, moveBaseBranch, moveCheckoutFiles, refLocks, tipOf } from './merge-steps';
import { checkoutOf, hasUncommittedChanges, identityEnv } from './worktree';

export type MergeOutcome =
  | { kind: 'merged'; method: MergeMethod; commit: string; committedChanges: boolean; checkout: string | null; journalId: string | null }
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
  /** How to merge (default 'auto': fast-forward when possible, else a merge commit). */
  strategy?: Strategy;
  /** Message of the one commit a squash makes (default: the merge message). */
  squashMessage?: string;
  /** Where the journal is kept (the data folder's merges/), and what a restart must finish. */
  journal: { dir: string; issueId?: string; workspaceId?: string };
}

/** Commits everything the agent left uncommitted (untracked files too). True if there was anything. */
async function commitPending(m: JournaledMerge, worktree: string, message: string): Promise<boolean> {
  if (!(await hasUncommittedChanges(worktree))) return false;
  const env = await identityEnv(worktree);
  const { gitDir, commonDir } = await gitDirsOf(worktree);
  const index = [`${gitDir}/index.lock`];
  await m.git(worktree, ['add', '--all', '--', '.'], index, { env });
  // Vigil's bookkeeping commit: the repository's hooks judge the merge, not this.
  await m.git(worktree, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message], [...index, `${gitDir}/HEAD.lock`, ...refLocks(commonDir, `refs/heads/${m.j.branch}`)], { env });
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

function newJournal(req: MergeRequest): MergeJournal {
  return {
    version: 1,
    id: randomUUID(),
    issueId: req.journal.issueId ?? null,
    workspaceId: req.journal.workspaceId ?? null,
    repo: req.repo,
    worktree: req.worktree,
    branch: req.branch,
    baseBranch: req.baseBranch,
    phase: 'committing',
    committedChanges: false,
    oldTip: null,
    target: null,
    method: null,
    checkout: null,
    git: null,
    startedAt: new Date().toISOString(),
  };
}

/** Moves the checkout (if any) and then the branch; the journal says 'moved' once the branch has. */
export async function applyMerge(m: JournaledMerge): Promise<void> {
  if (m.j.checkout) await moveCheckoutFiles(m, m.j.checkout, m.j.oldTip!, m.j.target!);
  await moveBaseBranch(m);
  m.save({ phase: 'moved' });
}

async function mergeNow(req: MergeRequest): Promise<MergeOutcome> {
  const m = new JournaledMerge(req.journal.dir, newJournal(req));
  m.save();
  let committedChanges = false;
  try {
    committedChanges = await commitPending(m, req.worktree, req.commitMessage);
    const outcome = await plan(m, req, committedChanges);
    if (outcome) {
      m.drop();
      return outcome;
    }
  } catch (err) {
    // Nothing of the base branch or its checkout moved yet.
    m.drop();
    throw err;
  }
  try {
    await applyMerge(m);
  } catch (err) {
    await rollBack(m).catch(() => undefined);
    throw err;
  }
  const keep = m.j.issueId !== null;
  if (!keep) m.drop();
  return { kind: 'merged', method: m.j.method!, commit: m.j.target!, committedChanges, checkout: m.j.checkout, journalId: keep ? m.j.id : null };
}

/** Computes the result as objects and records it; an outcome when there is nothing to move. */
async function plan(m: JournaledMerge, req: MergeRequest, committedChanges: boolean): Promise<MergeOutcome | null> {
  const head = await gitOut(req.worktree, ['rev-parse', '--verify', `refs/heads/${req.branch}^{commit}`]);
  const baseTip = await tipOf(req.repo, req.baseBranch);
  if (!baseTip) return { kind: 'refused', reason: `the base branch ${req.baseBranch} no longer exists`, committedChanges };
  // Already there: as an ancestor, or by content (squashed or merged through a pull request).
  if (await mergedInto(req.repo, head, baseTip)) return { kind: 'already_merged', commit: baseTip, committedChanges };

  const planned = await planTarget({
    repo: req.repo,
    head,
    baseTip,
    strategy: req.strategy ?? 'auto',
    mergeMessage: req.mergeMessage,
    squashMessage: req.squashMessage ?? req.mergeMessage,
    scratch: m.dir,
  });
  if (planned.kind !== 'target') return { ...planned, committedChanges };
  const { target, method } = planned;

  const checkout = await checkoutOf(req.repo, req.baseBranch);
  if (checkout) {
    // Local changes on a path the merge changes would be overwritten: nothing moves.
    const blockers = await checkoutBlockers(checkout, baseTip, target);
    if (blockers.length > 0) {
      const shown = blockers.slice(0, 6).join(', ') + (blockers.length > 6 ? ` and ${blockers.length - 6} more` : '');
      return { kind: 'refused', reason: `the checkout of ${req.baseBranch} at ${checkout} was left as it is: your local changes to ${shown} would be overwritten; commit or stash them, then merge again`, committedChanges };
    }
  }
  m.save({ phase: 'applying', committedChanges, oldTip: baseTip, target, method, checkout });
  return null;
}

/** A merge that failed (not killed) while applying: the checkout's files go back if the branch did not move. */
async function rollBack(m: JournaledMerge): Promise<void> {
  await m.settle(5_000);
  if ((await tipOf(m.j.repo, m.j.baseBranch)) !== m.j.oldTip) return;
  if (m.j.checkout) await moveCheckoutFiles(m, m.j.checkout, m.j.target!, m.j.oldTip!);
  m.drop();
}
