// The workspace git layer on real repositories: worktrees, diffs with untracked and binary
// files, fast-forward and merge-commit merges, conflicts and dirty checkouts that change nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { worktreeDiff } from '../../../src/main/workspaces/diff';
import { mergeWorktree } from '../../../src/main/workspaces/merge';
import { addWorktree, branchNameOf, removeWorktree, repositoryRoot, WorkspaceError, worktreeProblem } from '../../../src/main/workspaces/worktree';
import { makeRepo, sh } from '../../helpers/git-repo';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const repo = makeRepo({ 'greeting.txt': 'hello\n', 'other.txt': 'one\ntwo\n' });
  const spaces = mkdtempSync(join(tmpdir(), 'vigil-wt-'));
  cleanups.push(repo.cleanup, () => rmSync(spaces, { recursive: true, force: true }));
  return { repo: repo.dir, spaces };
}

const journalDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-merges-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
const req = (repo: string, worktree: string, branch: string) => ({ repo, worktree, branch, baseBranch: 'main', commitMessage: 'VIG-1: work', mergeMessage: 'Merge VIG-1', journal: { dir: journalDir() } });

describe('workspaces on real git', () => {
  it('names branches after the issue and refuses folders that are not repositories', async () => {
    expect(branchNameOf('VIG-12', 'Fix the Login page: crashes on Ünïcode!')).toBe('vigil/VIG-12-fix-the-login-page-crashes-on-unicode');
    expect(branchNameOf('VIG-3', '!!!')).toBe('vigil/VIG-3');
    const plain = mkdtempSync(join(tmpdir(), 'vigil-plain-'));
    cleanups.push(() => rmSync(plain, { recursive: true, force: true }));
    await expect(repositoryRoot(plain)).rejects.toThrow(/is not a git repository/);
    await expect(repositoryRoot(join(plain, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(repositoryRoot('relative/path')).rejects.toBeInstanceOf(WorkspaceError);
  });

  it('diffs committed, uncommitted, untracked, deleted and binary changes without touching the index', async () => {
    const { repo, spaces } = setup();
    const wt = await addWorktree(repo, join(spaces, 'VIG-1'), 'vigil/VIG-1-x');
    expect(wt).toMatchObject({ baseBranch: 'main', baseCommit: sh(repo, ['rev-parse', 'HEAD']) });
    writeFileSync(join(wt.path, 'greeting.txt'), 'hello world\n');
    sh(wt.path, ['commit', '--quiet', '-am', 'committed change']);
    writeFileSync(join(wt.path, 'other.txt'), 'one\n');
    unlinkSync(join(wt.path, 'greeting.txt'));
    writeFileSync(join(wt.path, 'new file.txt'), 'a\nb\nc\n');
    writeFileSync(join(wt.path, 'blob.bin'), Buffer.from([0, 1, 2, 0, 255]));
    const indexBefore = sh(wt.path, ['ls-files', '--stage']);
    const diff = await worktreeDiff(wt.path, { branch: 'main', commit: wt.baseCommit }, { patch: true });
    expect(diff.files.map((f) => [f.path, f.change, f.additions, f.deletions])).toEqual([
      ['blob.bin', 'added', null, null],
      ['greeting.txt', 'deleted', 0, 1],
      ['new file.txt', 'added', 3, 0],
      ['other.txt', 'modified', 0, 1],
    ]);
    expect(diff).toMatchObject({ commitsAhead: 1, uncommitted: true, additions: 3, deletions: 2 });
    expect(diff.patch).toContain('+++ b/new file.txt');
    expect(diff.patch).toContain('-hello\n');
    expect(sh(wt.path, ['ls-files', '--stage'])).toBe(indexBefore);
    expect(sh(wt.path, ['status', '--porcelain'])).toContain('?? "new file.txt"');
    // The repository's own checkout never saw any of it.
    expect(sh(repo, ['status', '--porcelain'])).toBe('');
  });

  it('reports a missing worktree as missing, and makes it again from its branch', async () => {
    const { repo, spaces } = setup();
    const wt = await addWorktree(repo, join(spaces, 'VIG-1'), 'vigil/VIG-1');
    writeFileSync(join(wt.path, 'greeting.txt'), 'kept\n');
    sh(wt.path, ['commit', '--quiet', '-am', 'kept']);
    rmSync(wt.path, { recursive: true, force: true });
    expect(await worktreeProblem(wt.path, wt.branch)).toMatch(/missing/);
    const again = await addWorktree(repo, wt.path, wt.branch);
    expect(readFileSync(join(again.path, 'greeting.txt'), 'utf8')).toBe('kept\n');
    expect(await worktreeProblem(wt.path, wt.branch)).toBeNull();
  });

  it('fast-forwards the base branch and its checkout, committing what the agent left', async () => {
    const { repo, spaces } = setup();
    const wt = await addWorktree(repo, join(spaces, 'VIG-1'), 'vigil/VIG-1');
    writeFileSync(join(wt.path, 'greeting.txt'), 'hello from the agent\n');
    writeFileSync(join(wt.path, 'untracked.txt'), 'new\n');
    const out = await mergeWorktree(req(repo, wt.path, wt.branch));
    expect(out).toMatchObject({ kind: 'merged', method: 'fast_forward', committedChanges: true, checkout: repo });
    expect(sh(repo, ['rev-parse', 'main'])).toBe(sh(wt.path, ['rev-parse', 'HEAD']));
    expect(sh(repo, ['log', '-1', '--format=%s', 'main'])).toBe('VIG-1: work');
    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('hello from the agent\n');
    expect(readFileSync(join(repo, 'untracked.txt'), 'utf8')).toBe('new\n');
    expect(sh(repo, ['status', '--porcelain'])).toBe('');
    await removeWorktree(repo, wt.path, wt.branch);
    expect(existsSync(wt.path)).toBe(false);
    expect(sh(repo, ['branch', '--list', 'vigil/*'])).toBe('');
  });

  it('makes a merge commit when the base moved, and reports a conflict changing nothing', async () => {
    const { repo, spaces } = setup();
    const a = await addWorktree(repo, join(spaces, 'A'), 'vigil/A');
    const b = await addWorktree(repo, join(spaces, 'B'), 'vigil/B');
    const c = await addWorktree(repo, join(spaces, 'C'), 'vigil/C');
    writeFileSync(join(a.path, 'greeting.txt'), 'from A\n');
    writeFileSync(join(b.path, 'greeting.txt'), 'from B\n');
    writeFileSync(join(c.path, 'other.txt'), 'one\ntwo\nthree\n');
    expect((await mergeWorktree(req(repo, a.path, a.branch))).kind).toBe('merged');
    const mainAfterA = sh(repo, ['rev-parse', 'main']);
    const conflict = await mergeWorktree(req(repo, b.path, b.branch));
    expect(conflict).toMatchObject({ kind: 'conflict', files: ['greeting.txt'] });
    expect(sh(repo, ['rev-parse', 'main'])).toBe(mainAfterA);
    expect(sh(repo, ['status', '--porcelain'])).toBe('');
    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('from A\n');
    expect(readFileSync(join(b.path, 'greeting.txt'), 'utf8')).toBe('from B\n');
    const merged = await mergeWorktree(req(repo, c.path, c.branch));
    expect(merged).toMatchObject({ kind: 'merged', method: 'merge_commit' });
    expect(sh(repo, ['log', '-1', '--format=%P', 'main']).split(' ')).toEqual([mainAfterA, sh(c.path, ['rev-parse', 'HEAD'])]);
    expect(readFileSync(join(repo, 'other.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('from A\n');
    expect(sh(repo, ['status', '--porcelain'])).toBe('');
  });

  it('never overwrites a dirty checkout of the base branch, and keeps unrelated local changes', async () => {
    const { repo, spaces } = setup();
    const a = await addWorktree(repo, join(spaces, 'A'), 'vigil/A');
    writeFileSync(join(a.path, 'greeting.txt'), 'from A\n');
    writeFileSync(join(repo, 'greeting.txt'), 'my own edit\n');
    const before = sh(repo, ['rev-parse', 'main']);
    const refused = await mergeWorktree(req(repo, a.path, a.branch));
    expect(refused.kind).toBe('refused');
    expect(refused.kind === 'refused' && refused.reason).toMatch(/greeting\.txt/);
    expect(sh(repo, ['rev-parse', 'main'])).toBe(before);
    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('my own edit\n');
    // An unrelated local change: the merge goes through and the change stays.
    sh(repo, ['checkout', '--quiet', '--', 'greeting.txt']);
    writeFileSync(join(repo, 'other.txt'), 'local\n');
    expect((await mergeWorktree(req(repo, a.path, a.branch))).kind).toBe('merged');
    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('from A\n');
    expect(readFileSync(join(repo, 'other.txt'), 'utf8')).toBe('local\n');
  });

  it('moves a base branch that is not checked out with a checked update-ref', async () => {
    const { repo, spaces } = setup();
    const a = await addWorktree(repo, join(spaces, 'A'), 'vigil/A');
    sh(repo, ['checkout', '--quiet', '-b', 'elsewhere']);
    writeFileSync(join(a.path, 'greeting.txt'), 'from A\n');
    const out = await mergeWorktree(req(repo, a.path, a.branch));
    expect(out).toMatchObject({ kind: 'merged', checkout: null });
    expect(sh(repo, ['rev-parse', 'main'])).toBe(sh(a.path, ['rev-parse', 'HEAD']));
    expect(readFileSync(join(repo, 'greeting.txt'), 'utf8')).toBe('hello\n');
    expect((await mergeWorktree(req(repo, a.path, a.branch))).kind).toBe('already_merged');
  });
});
