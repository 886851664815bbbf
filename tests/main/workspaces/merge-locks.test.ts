// The journal names every lock a step's git may leave, so that after a kill the settle step can
// remove it: moving the base branch that the user's HEAD points at locks HEAD too (git writes
// HEAD's reflog). A HEAD.lock left behind makes every git command in the checkout refuse; the
// kill test (merge-journal.test.ts) caught it once, killing git inside update-ref.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournaledMerge, moveBaseBranch } from '../../../src/main/workspaces/merge-steps';
import type { MergeJournal } from '../../../src/main/workspaces/merge-journal';
import { makeRepo, sh } from '../../helpers/git-repo';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('moving the base branch', () => {
  it("names HEAD's lock with the branch's when the checkout's HEAD points at it", async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    cleanups.push(repo.cleanup);
    const oldTip = sh(repo.dir, ['rev-parse', 'main']);
    sh(repo.dir, ['commit', '--quiet', '--allow-empty', '-m', 'next']);
    const target = sh(repo.dir, ['rev-parse', 'main']);
    sh(repo.dir, ['update-ref', 'refs/heads/main', oldTip]);
    const named: string[][] = [];
    const m = new JournaledMerge(join(repo.dir, '.journal'), { repo: repo.dir, baseBranch: 'main', oldTip, target, branch: 'vigil/x' } as unknown as MergeJournal);
    m.git = async (cwd, args, locks) => {
      named.push(locks);
      sh(cwd, args);
      return { stdout: '', stderr: '', code: 0 } as never;
    };
    await moveBaseBranch(m);
    expect(sh(repo.dir, ['rev-parse', 'main'])).toBe(target);
    const git = sh(repo.dir, ['rev-parse', '--absolute-git-dir']);
    expect(named).toEqual([expect.arrayContaining([join(git, 'refs/heads/main.lock'), join(git, 'HEAD.lock')])]);
  });
});
