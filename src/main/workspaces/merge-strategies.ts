// The result of each merge strategy, computed as git objects only (no checkout, no ref moves):
// the journaled merge (merge.ts) records it, then moves the checkout and the base branch to it.
//  - fast_forward: the branch's head itself, only when the base branch is its ancestor;
//  - merge: a merge commit of the base tip and the head (`merge-tree --write-tree`);
//  - squash: one commit on the base tip with the merged tree and the message;
//  - rebase: each commit of the branch replayed on the base tip, authors and messages kept,
//    applied to a scratch index (`apply --cached --3way`), never to a working tree.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitOut, gitTest } from './git';
import { identityEnv } from './worktree';

export type Strategy = 'auto' | 'fast_forward' | 'merge' | 'squash' | 'rebase';
export type MergeMethod = 'fast_forward' | 'merge_commit' | 'squash' | 'rebase';

export type Planned = { kind: 'target'; target: string; method: MergeMethod } | { kind: 'conflict'; files: string[] } | { kind: 'refused'; reason: string };

export interface PlanInput {
  repo: string;
  head: string;
  baseTip: string;
  strategy: Strategy;
  mergeMessage: string;
  squashMessage: string;
  /** A folder for the scratch index of a rebase (the journal folder). */
  scratch: string;
}

/** The merged tree of base and head, or the conflicting files. */
async function mergedTree(repo: string, baseTip: string, head: string): Promise<{ tree: string } | { conflicts: string[] }> {
  const merged = await git(repo, ['merge-tree', '--write-tree', '--name-only', '--no-messages', baseTip, head], { okCodes: [1] });
  const [tree, ...rest] = merged.stdout.split('\n');
  if (merged.code === 1) return { conflicts: [...new Set(rest.map((l) => l.trim()).filter(Boolean))] };
  return { tree: tree.trim() };
}

export async function planTarget(p: PlanInput): Promise<Planned> {
  const canFastForward = await gitTest(p.repo, ['merge-base', '--is-ancestor', p.baseTip, p.head]);
  const strategy = p.strategy;
  if ((strategy === 'auto' || strategy === 'fast_forward') && canFastForward) return { kind: 'target', target: p.head, method: 'fast_forward' };
  if (strategy === 'fast_forward') return { kind: 'refused', reason: 'a fast-forward is not possible: the base branch has commits the issue branch does not; merge with --merge, --squash or --rebase' };
  if (strategy === 'rebase') {
    if (canFastForward) return { kind: 'target', target: p.head, method: 'rebase' };
    return rebaseOnto(p);
  }
  const merged = await mergedTree(p.repo, p.baseTip, p.head);
  if ('conflicts' in merged) return { kind: 'conflict', files: merged.conflicts };
  const env = await identityEnv(p.repo);
  if (strategy === 'squash') {
    const target = await gitOut(p.repo, ['commit-tree', merged.tree, '-p', p.baseTip, '-m', p.squashMessage], { env });
    return { kind: 'target', target, method: 'squash' };
  }
  const target = await gitOut(p.repo, ['commit-tree', merged.tree, '-p', p.baseTip, '-p', p.head, '-m', p.mergeMessage], { env });
  return { kind: 'target', target, method: 'merge_commit' };
}

const AUTHOR_FORMAT = '%an%x00%ae%x00%aI%x00%B';

async function rebaseOnto(p: PlanInput): Promise<Planned> {
  const forkPoint = await gitOut(p.repo, ['merge-base', p.baseTip, p.head]);
  const list = await gitOut(p.repo, ['rev-list', '--reverse', '--parents', `${forkPoint}..${p.head}`]);
  const commits = list ? list.split('\n').map((l) => l.split(' ')) : [];
  if (commits.some((c) => c.length > 2)) return { kind: 'refused', reason: 'the issue branch has merge commits, which a rebase would flatten; merge with --merge or --squash' };
  const index = join(p.scratch, `rebase-${process.pid}-${Date.now()}.index`);
  const env = { ...(await identityEnv(p.repo)), GIT_INDEX_FILE: index };
  let onto = p.baseTip;
  try {
    for (const [commit, parent] of commits) {
      await git(p.repo, ['read-tree', onto], { env });
      const patch = (await git(p.repo, ['diff', '--binary', '--full-index', '--no-renames', parent, commit], { maxBuffer: 256 << 20 })).stdout;
      if (patch.trim()) {
        const applied = await applyToIndex(p.repo, patch, env);
        if (applied !== null) return { kind: 'conflict', files: applied };
      }
      const tree = await gitOut(p.repo, ['write-tree'], { env });
      const [name, email, date, ...message] = (await git(p.repo, ['log', '-1', `--format=${AUTHOR_FORMAT}`, commit])).stdout.split('\0');
      const authorEnv = { ...env, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_AUTHOR_DATE: date };
      onto = await gitOut(p.repo, ['commit-tree', tree, '-p', onto, '-m', message.join('\0').replace(/\n+$/, '') || `Rebased ${commit.slice(0, 10)}`], { env: authorEnv });
    }
  } finally {
    rmSync(index, { force: true });
    rmSync(`${index}.lock`, { force: true });
  }
  return { kind: 'target', target: onto, method: 'rebase' };
}

/** Applies a patch (a file beside the scratch index) to that index, three-way; the conflicting paths, or null. */
async function applyToIndex(repo: string, patch: string, env: Record<string, string>): Promise<string[] | null> {
  const file = `${env.GIT_INDEX_FILE}.patch`;
  writeFileSync(file, patch);
  try {
    const res = await git(repo, ['apply', '--cached', '--3way', '--whitespace=nowarn', file], { env, okCodes: [1] });
    if (res.code === 0) return null;
    const files = [...res.stderr.matchAll(/^U (.+)$|^error: patch failed: ([^:\n]+)|^error: ([^:\n]+): does not exist in index/gm)].map((m) => (m[1] ?? m[2] ?? m[3]).trim());
    return files.length ? [...new Set(files)] : [res.stderr.trim().split('\n')[0] || 'git apply refused the patch'];
  } finally {
    rmSync(file, { force: true });
  }
}
