// Whether a branch's changes are in a target branch: what makes a worktree safe to remove. A
// fast-forward or merge commit leaves the branch an ancestor; a squash or a pull request merged
// elsewhere does not, so the content is compared too: merging the branch into the target would
// change nothing (tree check), or every commit's patch is already there (patch-id, `git cherry`).
import { git, gitOut, gitTest } from './git';

export type MergedBy = 'ancestor' | 'tree' | 'patch_id';

export async function mergedInto(repo: string, branchTip: string, targetTip: string): Promise<MergedBy | null> {
  if (await gitTest(repo, ['merge-base', '--is-ancestor', branchTip, targetTip])) return 'ancestor';
  const merged = await git(repo, ['merge-tree', '--write-tree', '--no-messages', targetTip, branchTip], { okCodes: [1] });
  if (merged.code === 0 && merged.stdout.split('\n')[0].trim() === (await gitOut(repo, ['rev-parse', `${targetTip}^{tree}`]))) return 'tree';
  const cherry = (await gitOut(repo, ['cherry', targetTip, branchTip])).split('\n').filter(Boolean);
  if (cherry.length > 0 && cherry.every((l) => l.startsWith('-'))) return 'patch_id';
  return null;
}
