// The acceptance scenario with real git, real ptys and the real engine: two agents on one
// repository, one issue each, editing the same line of the same file at the same time.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor, type TestHost } from '../../helpers/host';
import { sh } from '../../helpers/git-repo';

/** Edits the line, then waits (at most 30 s) for the other agent's edit: both run at once. */
const editing = (sync: string, me: string, other: string) =>
  [
    `sed -i 's/^hello$/from ${me}/' greeting.txt`,
    `touch ${sync}/${me}`,
    'i=0',
    `while [ ! -e ${sync}/${other} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done`,
    `[ -e ${sync}/${other} ] || exit 7`,
    `pwd >> ${sync}/${me}.pwd`,
    `git rev-parse --abbrev-ref HEAD > ${sync}/${me}.branch`,
  ].join('; ');

describeEachStore('issue worktrees', (kind) => {
  const host = hostPerTest(kind);

  const issueDone = (h: TestHost, ref: string, statuses = ['in_review']) =>
    waitFor(async () => {
      const i = await h.call('issues.get', { issue: ref });
      return i.runs.length > 0 && i.runs.every((r) => r.status === 'succeeded') && statuses.includes(i.status) ? i : null;
    }, 60_000, `${ref}'s run to succeed`);

  it('two agents, one repository, the same line at once: isolated, diffed, merged, conflict reported', async () => {
    const repo = host.repo({ 'greeting.txt': 'hello\n', 'README.md': '# demo\n' });
    const sync = host.tempDir('vigil-sync-');
    const mainBefore = sh(repo.dir, ['rev-parse', 'main']);
    const h = await host.start();

    await h.call('agents.create', { name: 'a', adapterType: 'process', command: editing(sync, 'a', 'b'), cwd: repo.dir, workspace: 'worktree' });
    await h.call('agents.create', { name: 'b', adapterType: 'process', command: editing(sync, 'b', 'a'), cwd: repo.dir, workspace: 'worktree' });
    const ia = await h.call('issues.create', { title: 'Greet as A', assignee: 'a' });
    const ib = await h.call('issues.create', { title: 'Greet as B', assignee: 'b' });
    await issueDone(h, ia.identifier);
    await issueDone(h, ib.identifier);

    const da = await h.call('issues.diff', { issue: ia.identifier });
    const db = await h.call('issues.diff', { issue: ib.identifier });
    // Each ran in its own worktree, in the data folder, on its own branch.
    expect(da.workspace).toMatchObject({ state: 'active', health: 'ok', branch: `vigil/${ia.identifier}-greet-as-a`, baseBranch: 'main', baseCommit: mainBefore, repoPath: repo.dir });
    expect(da.workspace!.path).toBe(join(h.target.dataDir, 'workspaces', ia.identifier));
    expect(readFileSync(join(sync, 'a.pwd'), 'utf8').trim()).toBe(da.workspace!.path);
    expect(readFileSync(join(sync, 'b.pwd'), 'utf8').trim()).toBe(db.workspace!.path);
    expect(readFileSync(join(sync, 'b.branch'), 'utf8').trim()).toBe(db.workspace!.branch);
    // Each worktree holds only its own change; the repository's checkout is untouched.
    expect(readFileSync(join(da.workspace!.path, 'greeting.txt'), 'utf8')).toBe('from a\n');
    expect(readFileSync(join(db.workspace!.path, 'greeting.txt'), 'utf8')).toBe('from b\n');
    expect(readFileSync(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('hello\n');
    expect(sh(repo.dir, ['status', '--porcelain'])).toBe('');
    // Each diff shows only its own change.
    for (const [d, me, other] of [[da, 'a', 'b'], [db, 'b', 'a']] as const) {
      expect(d.files).toEqual([{ path: 'greeting.txt', oldPath: null, change: 'modified', additions: 1, deletions: 1, binary: false }]);
      expect(d.uncommitted).toBe(true);
      expect(d.patch).toContain(`+from ${me}`);
      expect(d.patch).not.toContain(`from ${other}`);
    }
    // The review queue shows each issue's change by its size, from the same diff.
    const queue = await h.call('review.queue', {});
    for (const ref of [ia.identifier, ib.identifier]) {
      expect(queue.find((q) => q.issue.identifier === ref)?.changes).toEqual({ files: 1, additions: 1, deletions: 1 });
    }
    const stat = await h.call('issues.diff', { issue: ia.identifier, stat: true });
    expect(stat.patch).toBeNull();
    expect(stat.files).toHaveLength(1);

    // Merging the first fast-forwards main and its checkout, which is clean afterwards.
    const ma = await h.call('issues.merge', { issue: ia.identifier });
    expect(ma).toMatchObject({ merged: true, outcome: 'fast_forward', conflicts: [] });
    expect(sh(repo.dir, ['rev-parse', 'main'])).toBe(ma.commit);
    expect(sh(repo.dir, ['log', '-1', '--format=%s', 'main'])).toBe(`${ia.identifier}: Greet as A`);
    expect(readFileSync(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('from a\n');
    expect(sh(repo.dir, ['status', '--porcelain'])).toBe('');
    expect(ma.workspace.state).toBe('merged');
    expect(existsSync(da.workspace!.path)).toBe(false);
    expect(sh(repo.dir, ['branch', '--list', da.workspace!.branch])).toBe('');
    const afterA = await h.call('issues.get', { issue: ia.identifier });
    expect(afterA.status).toBe('done');
    // Said once, in the merge's answer (the page's Changes line, the CLI's output); no comment repeats it.
    expect(ma.message).toMatch(/fast-forwarded main/);
    expect(afterA.comments.filter((c) => c.body.startsWith('Merged'))).toEqual([]);
    expect((await h.call('issues.diff', { issue: ia.identifier })).workspace?.state).toBe('merged');

    // Merging the second reports the conflict naming the file; main is as it was.
    const mainAfterA = sh(repo.dir, ['rev-parse', 'main']);
    const mb = await h.call('issues.merge', { issue: ib.identifier });
    expect(mb).toMatchObject({ merged: false, outcome: 'conflict', conflicts: ['greeting.txt'], commit: null });
    expect(mb.message).toContain('greeting.txt');
    expect(sh(repo.dir, ['rev-parse', 'main'])).toBe(mainAfterA);
    expect(readFileSync(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('from a\n');
    expect(sh(repo.dir, ['status', '--porcelain'])).toBe('');
    expect(mb.workspace).toMatchObject({ state: 'active', health: 'ok' });
    expect(readFileSync(join(db.workspace!.path, 'greeting.txt'), 'utf8')).toBe('from b\n');

    // Request changes: a comment wakes b, whose next run works in the same worktree.
    await h.call('issues.comment', { issue: ib.identifier, body: 'Changes requested: rebase onto main' });
    await waitFor(async () => (await h.call('issues.get', { issue: ib.identifier })).runs.length === 2, 20_000, 'a second run of B');
    await issueDone(h, ib.identifier, ['in_review', 'in_progress']);
    expect(readFileSync(join(sync, 'b.pwd'), 'utf8').trim().split('\n')).toEqual([db.workspace!.path, db.workspace!.path]);

    // Discard needs the confirmation; then the worktree and its branch are gone.
    await expect(h.call('issues.discard', { issue: ib.identifier })).rejects.toMatchObject({ code: 'invalid_input', field: 'confirm' });
    expect(existsSync(db.workspace!.path)).toBe(true);
    const gone = await h.call('issues.discard', { issue: ib.identifier, confirm: true });
    expect(gone.state).toBe('discarded');
    expect(existsSync(db.workspace!.path)).toBe(false);
    // issue 23: a discarded branch is kept as an archive (14 days, restorable), nothing else is left.
    expect(sh(repo.dir, ['branch', '--list', 'vigil/*'])).toMatch(/^\s*vigil\/archive\/VIG-\d+-greet-as-b-\d{8}-\d{6}$/);
    expect((await h.call('workspaces.list', {})).workspaces).toEqual([]);
  }, 180_000);

  it('refuses --workspace worktree on a folder that is not a git repository, and lists stray folders', async () => {
    const plain = host.tempDir('vigil-plain-');
    const h = await host.start();
    await expect(h.call('agents.create', { name: 'x', adapterType: 'process', command: 'true', cwd: plain, workspace: 'worktree' })).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'cwd',
      message: expect.stringContaining('is not a git repository'),
    });
    await expect(h.call('agents.create', { name: 'x', adapterType: 'process', command: 'true', workspace: 'worktree' })).rejects.toMatchObject({ code: 'invalid_input', field: 'cwd' });
    const agent = await h.call('agents.create', { name: 'x', adapterType: 'process', command: 'true', cwd: plain });
    expect(agent.workspace).toBe('none');
    await expect(h.call('agents.update', { agent: 'x', patch: { workspace: 'worktree' } })).rejects.toMatchObject({ code: 'invalid_input', field: 'patch.cwd' });

    // A repository that cannot give a base branch: the run fails as workspace_failed, saying why.
    const repo = host.repo();
    await h.call('agents.create', { name: 'w', adapterType: 'process', command: 'true', cwd: repo.dir, workspace: 'worktree' });
    sh(repo.dir, ['checkout', '--quiet', '--detach']);
    const issue = await h.call('issues.create', { title: 'Detached', assignee: 'w' });
    const failed = await waitFor(async () => (await h.call('runs.list', { issue: issue.identifier })).items.find((r) => r.status === 'failed'), 20_000, 'the run to fail');
    expect(failed).toMatchObject({ errorCode: 'workspace_failed', error: expect.stringContaining('detached HEAD') });

    // A branch of the wanted name that is not this issue's (an older database): never adopted.
    sh(repo.dir, ['checkout', '--quiet', 'main']);
    sh(repo.dir, ['branch', 'vigil/VIG-2-stale']);
    const stale = await h.call('issues.create', { title: 'Stale', assignee: 'w' });
    expect(stale.identifier).toBe('VIG-2');
    const fresh = await waitFor(async () => (await h.call('issues.diff', { issue: 'VIG-2' })).workspace, 20_000, 'the worktree of VIG-2');
    expect(fresh.branch).toBe('vigil/VIG-2-stale-2');
    expect(sh(repo.dir, ['rev-parse', 'vigil/VIG-2-stale'])).toBe(sh(repo.dir, ['rev-parse', 'main']));

    // A folder under workspaces/ that no issue claims is listed, and said at start, never deleted.
    const stray = join(h.target.dataDir, 'workspaces', 'VIG-99');
    mkdirSync(stray, { recursive: true });
    const listed = await h.call('workspaces.list', {});
    expect(listed.strayFolders).toEqual([stray]);
    // (VIG-1's one continuation may have found the repository back on main and made its worktree.)
    expect(listed.workspaces.map((w) => w.issueIdentifier)).toContain('VIG-2');
    await h.stop();
    const restarted = await host.start({}, h.target);
    expect(restarted.host.info.notices.join('\n')).toContain('1 worktree folder(s) belong to no open issue and were kept');
    expect(existsSync(stray)).toBe(true);
  });
});
