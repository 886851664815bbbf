// Merge strategies through the journaled merge, with real git in temp folders: fast-forward only,
// a merge commit, squash and rebase, each computed before any ref moves; the user's checkout of
// the base branch follows; a squashed (or rebased) branch is recognised as merged by content.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeWorktree, type MergeOutcome } from '../../../src/main/workspaces/merge';
import type { Strategy } from '../../../src/main/workspaces/merge-strategies';
import { mergedInto } from '../../../src/main/workspaces/merged-check';
import { archiveBranch, restoreArchive } from '../../../src/main/workspaces/archive';
import { makeRepo, sh } from '../../helpers/git-repo';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A repository on main, an issue worktree on vigil/x with two commits, and (optionally) main moved on. */
function setup(opts: { baseMoves: boolean }) {
  const repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-strat-'));
  cleanups.push(repo.cleanup, () => rmSync(scratch, { recursive: true, force: true }));
  const wt = join(scratch, 'wt');
  sh(repo.dir, ['worktree', 'add', '--quiet', '-b', 'vigil/x', wt, 'main']);
  writeFileSync(join(wt, 'a.txt'), 'a changed by the agent\n');
  sh(wt, ['commit', '--quiet', '-am', 'first agent commit']);
  writeFileSync(join(wt, 'c.txt'), 'new file\n');
  sh(wt, ['add', 'c.txt']);
  sh(wt, ['commit', '--quiet', '-m', 'second agent commit']);
  if (opts.baseMoves) {
    writeFileSync(join(repo.dir, 'b.txt'), 'b changed on main\n');
    sh(repo.dir, ['commit', '--quiet', '-am', 'main moves on']);
  }
  const merge = (strategy: Strategy) =>
    mergeWorktree({ repo: repo.dir, worktree: wt, branch: 'vigil/x', baseBranch: 'main', commitMessage: 'left', mergeMessage: 'Merge X', squashMessage: 'X squashed', strategy, journal: { dir: join(scratch, 'merges') } });
  return { repo: repo.dir, wt, scratch, merge };
}

const merged = (o: MergeOutcome) => (o.kind === 'merged' ? o : null);

describe('merge strategies (real git)', () => {
  it('squash: one commit on main with every change; the checkout follows; the branch counts as merged', async () => {
    const s = setup({ baseMoves: true });
    const before = sh(s.repo, ['rev-parse', 'main']);
    const o = merged(await s.merge('squash'))!;
    expect(o.method).toBe('squash');
    expect(sh(s.repo, ['rev-list', '--parents', '-n', '1', 'main']).split(' ')).toEqual([o.commit, before]);
    expect(sh(s.repo, ['log', '-1', '--format=%s', 'main'])).toBe('X squashed');
    expect(readFileSync(join(s.repo, 'a.txt'), 'utf8')).toBe('a changed by the agent\n');
    expect(readFileSync(join(s.repo, 'c.txt'), 'utf8')).toBe('new file\n');
    expect(readFileSync(join(s.repo, 'b.txt'), 'utf8')).toBe('b changed on main\n');
    expect(sh(s.repo, ['status', '--porcelain'])).toBe('');
    // Not an ancestor, but its changes are in main: merged by content.
    const tip = sh(s.repo, ['rev-parse', 'vigil/x']);
    expect(() => sh(s.repo, ['merge-base', '--is-ancestor', tip, 'main'])).toThrow();
    expect(await mergedInto(s.repo, tip, o.commit)).toBe('tree');
    // Merging again says so and moves nothing.
    expect((await s.merge('squash')).kind).toBe('already_merged');
  });

  it('rebase: the two commits replayed on main with their messages; linear history', async () => {
    const s = setup({ baseMoves: true });
    const base = sh(s.repo, ['rev-parse', 'main']);
    const o = merged(await s.merge('rebase'))!;
    expect(o.method).toBe('rebase');
    expect(sh(s.repo, ['log', '--format=%s', `${base}..main`]).split('\n')).toEqual(['second agent commit', 'first agent commit']);
    expect(sh(s.repo, ['rev-list', '--merges', `${base}..main`])).toBe('');
    expect(sh(s.repo, ['log', '-1', '--format=%an', 'main'])).toBe('Test User');
    expect(readFileSync(join(s.repo, 'c.txt'), 'utf8')).toBe('new file\n');
    expect(await mergedInto(s.repo, sh(s.repo, ['rev-parse', 'vigil/x']), o.commit)).not.toBeNull();
  });

  it('fast-forward only is refused when main moved, and nothing moves; merge makes a merge commit', async () => {
    const s = setup({ baseMoves: true });
    const before = sh(s.repo, ['rev-parse', 'main']);
    const refused = await s.merge('fast_forward');
    expect(refused).toMatchObject({ kind: 'refused' });
    expect(refused.kind === 'refused' && refused.reason).toMatch(/a fast-forward is not possible/);
    expect(sh(s.repo, ['rev-parse', 'main'])).toBe(before);
    const o = merged(await s.merge('merge'))!;
    expect(o.method).toBe('merge_commit');
    expect(sh(s.repo, ['rev-list', '--parents', '-n', '1', 'main']).split(' ')).toHaveLength(3);
  });

  it('merge when a fast-forward is possible still makes a merge commit; auto fast-forwards', async () => {
    const s = setup({ baseMoves: false });
    const o = merged(await s.merge('merge'))!;
    expect(o.method).toBe('merge_commit');
    expect(sh(s.repo, ['rev-list', '--parents', '-n', '1', 'main']).split(' ')).toHaveLength(3);
    const t = setup({ baseMoves: false });
    expect(merged(await t.merge('auto'))!.method).toBe('fast_forward');
  });

  it('a rebase that conflicts reports the file and moves nothing', async () => {
    const s = setup({ baseMoves: false });
    writeFileSync(join(s.repo, 'a.txt'), 'a changed on main too\n');
    sh(s.repo, ['commit', '--quiet', '-am', 'main edits a']);
    const before = sh(s.repo, ['rev-parse', 'main']);
    const o = await s.merge('rebase');
    expect(o).toMatchObject({ kind: 'conflict', files: ['a.txt'] });
    expect(sh(s.repo, ['rev-parse', 'main'])).toBe(before);
    expect(readFileSync(join(s.repo, 'a.txt'), 'utf8')).toBe('a changed on main too\n');
  });

  it('a discarded branch is archived with its uncommitted changes and restored', async () => {
    const s = setup({ baseMoves: false });
    writeFileSync(join(s.wt, 'wip.txt'), 'not committed\n');
    const kept = (await archiveBranch(s.repo, s.wt, 'vigil/x', new Date('2026-12-07T02:00:00Z')))!;
    expect(kept.archive).toBe('vigil/archive/x-20261207-020000');
    expect(kept.expiresAt.toISOString()).toBe('2026-12-21T02:00:00.000Z');
    expect(sh(s.repo, ['show', `${kept.archive}:wip.txt`])).toBe('not committed');
    sh(s.repo, ['worktree', 'remove', '--force', s.wt]);
    sh(s.repo, ['branch', '-D', 'vigil/x']);
    await restoreArchive(s.repo, kept.archive, 'vigil/x');
    expect(sh(s.repo, ['show', 'vigil/x:wip.txt'])).toBe('not committed');
    expect(sh(s.repo, ['branch', '--list', 'vigil/archive/*'])).toBe('');
  });
});
