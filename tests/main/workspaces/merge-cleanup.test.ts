// Squash merge and clean-up through the host's verbs, with real git and the real engine: the
// worktree goes once its changes are in the base branch; a discard keeps the branch as an
// archive that restores; nothing unmerged is ever dropped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor, type TestHost } from '../../helpers/host';
import { sh } from '../../helpers/git-repo';

describeEachStore('squash merge and clean-up', (kind) => {
  const host = hostPerTest(kind);

  const ranOnce = (h: TestHost, ref: string) =>
    waitFor(async () => {
      const i = await h.call('issues.get', { issue: ref });
      return i.runs.length > 0 && i.runs.every((r) => r.status === 'succeeded') && i.status === 'in_review' ? i : null;
    }, 60_000, `${ref}'s run`);

  it('squash by agent default, the worktree goes; discard archives; restore brings it back', async () => {
    const repo = host.repo({ 'a.txt': 'a\n' });
    const h = await host.start();
    const agent = "echo \"work of $VIGIL_ISSUE\" > work.txt; git add work.txt; git commit -qm 'agent commit 1'; echo more >> work.txt; git commit -qam 'agent commit 2'";
    await h.call('agents.create', { name: 'w', adapterType: 'process', command: agent, cwd: repo.dir, workspace: 'worktree', mergeStrategy: 'squash' });
    const one = await h.call('issues.create', { title: 'Squash me', assignee: 'w' });
    await ranOnce(h, one.identifier);
    // main moves on meanwhile: a fast-forward would not be possible.
    writeFileSync(join(repo.dir, 'a.txt'), 'a on main\n');
    sh(repo.dir, ['commit', '-qam', 'main moves']);
    const before = sh(repo.dir, ['rev-parse', 'main']);
    const { workspace } = await h.call('issues.diff', { issue: one.identifier });
    const res = await h.call('issues.merge', { issue: one.identifier });
    expect(res).toMatchObject({ merged: true, outcome: 'squash' });
    expect(res.message).toContain('squashed into one commit on main');
    expect(sh(repo.dir, ['rev-parse', 'main~1'])).toBe(before);
    expect(readFileSync(join(repo.dir, 'work.txt'), 'utf8')).toBe(`work of ${one.identifier}\nmore\n`);
    // Its changes are in main: the worktree and branch are gone.
    expect(existsSync(workspace!.path)).toBe(false);
    expect(sh(repo.dir, ['branch', '--list', workspace!.branch])).toBe('');
    expect(res.workspace).toMatchObject({ state: 'merged', mergeMethod: 'squash' });

    // A second issue is discarded: its branch is archived, then restored.
    const two = await h.call('issues.create', { title: 'Throw me away', assignee: 'w' });
    await ranOnce(h, two.identifier);
    const ws2 = (await h.call('issues.diff', { issue: two.identifier })).workspace!;
    writeFileSync(join(ws2.path, 'wip.txt'), 'uncommitted\n');
    const discarded = await h.call('issues.discard', { issue: two.identifier, confirm: true });
    expect(discarded.archiveBranch).toMatch(/^vigil\/archive\//);
    expect(existsSync(ws2.path)).toBe(false);
    expect(sh(repo.dir, ['show', `${discarded.archiveBranch}:wip.txt`])).toBe('uncommitted');
    const restored = await h.call('issues.restore', { issue: two.identifier });
    expect(restored).toMatchObject({ state: 'active', branch: ws2.branch });
    expect(readFileSync(join(restored.path, 'wip.txt'), 'utf8')).toBe('uncommitted\n');
    await expect(h.call('issues.restore', { issue: two.identifier })).rejects.toThrow(/already has an active worktree/);
  }, 180_000);
});
