// Push and pull request with real git and a stand-in `gh` on PATH: the branch lands in a local
// bare repository (the remote), gh is called with the issue's title and body, the pull request
// is recorded with its URL and state, and refreshed. Without a remote, or without gh, a sentence.
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeEachStore } from '../../helpers/stores';
import { hostPerTest, waitFor } from '../../helpers/host';
import { sh } from '../../helpers/git-repo';

/** A stand-in gh: records each argv (one line per arg, a ---- line after), answers like gh. */
const FAKE_GH = `#!/bin/sh
for a in "$@"; do printf '%s\\n' "$a" >> "$GH_LOG"; done; echo '----' >> "$GH_LOG"
case "$1 $2" in
  "pr create") echo "https://github.example/acme/shop/pull/7" ;;
  "pr view") if [ -e "$GH_LOG.merged" ]; then s=MERGED; else s=OPEN; fi; echo "{\\"url\\":\\"https://github.example/acme/shop/pull/7\\",\\"number\\":7,\\"state\\":\\"$s\\"}" ;;
  *) echo "unknown command" >&2; exit 1 ;;
esac
`;

describeEachStore('push and pull requests', (kind) => {
  const host = hostPerTest(kind);
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
    delete process.env.GH_LOG;
  });

  it('pushes to a bare remote, opens the PR with gh, records and refreshes its state', async () => {
    const repo = host.repo({ 'README.md': '# shop\n' });
    const tools = host.tempDir('vigil-gh-');
    const bare = join(tools, 'remote.git');
    const h = await host.start();
    await h.call('agents.create', { name: 'w', adapterType: 'process', command: 'echo change > change.txt', cwd: repo.dir, workspace: 'worktree' });
    const issue = await h.call('issues.create', { title: 'Add a change', body: 'The shop needs a change.', assignee: 'w' });
    await waitFor(async () => ((await h.call('issues.get', { issue: issue.identifier })).status === 'in_review' ? true : null), 60_000, 'the run');

    // No remote: said in words, nothing recorded.
    await expect(h.call('issues.pr', { issue: issue.identifier })).rejects.toThrow(/has no remote to push to; add one/);
    sh(tools, ['init', '--quiet', '--bare', bare]);
    sh(repo.dir, ['remote', 'add', 'origin', bare]);

    const ws = (await h.call('issues.diff', { issue: issue.identifier })).workspace!;
    writeFileSync(join(tools, 'gh'), FAKE_GH);
    chmodSync(join(tools, 'gh'), 0o755);
    process.env.GH_LOG = join(tools, 'gh.log');
    process.env.PATH = `${tools}:${path}`;
    const opened = await h.call('issues.pr', { issue: issue.identifier });
    expect(opened).toMatchObject({ pushed: true, remote: 'origin', pr: { url: 'https://github.example/acme/shop/pull/7', number: 7, state: 'OPEN' } });
    // The branch (with what the agent left uncommitted) is in the remote.
    expect(sh(bare, ['show', `${ws.branch}:change.txt`])).toBe('change');
    const calls = readFileSync(join(tools, 'gh.log'), 'utf8').split('----\n').filter(Boolean).map((c) => c.replace(/\n$/, '').split('\n'));
    expect(calls[0]).toEqual(['pr', 'create', '--head', ws.branch, '--base', 'main', '--title', `${issue.identifier}: Add a change`, '--body', 'The shop needs a change.', '', expect.stringContaining('Opened by Vigil from')]);
    expect(calls[1].slice(0, 3)).toEqual(['pr', 'view', 'https://github.example/acme/shop/pull/7']);
    expect((await h.call('issues.diff', { issue: issue.identifier })).workspace!.pr).toMatchObject({ url: 'https://github.example/acme/shop/pull/7', state: 'OPEN' });

    writeFileSync(join(tools, 'gh.log.merged'), '');
    const refreshed = await h.call('issues.prRefresh', { issue: issue.identifier });
    expect(refreshed.pr).toMatchObject({ state: 'MERGED' });
    expect((await h.call('issues.diff', { issue: issue.identifier })).workspace!.pr?.state).toBe('MERGED');
  }, 180_000);

  it('without gh on PATH: the branch is pushed and the message says gh is missing', async () => {
    const repo = host.repo({ 'README.md': '# shop\n' });
    const tools = host.tempDir('vigil-gh-');
    const bare = join(tools, 'remote.git');
    sh(tools, ['init', '--quiet', '--bare', bare]);
    sh(repo.dir, ['remote', 'add', 'origin', bare]);
    const h = await host.start();
    await h.call('agents.create', { name: 'w', adapterType: 'process', command: 'echo change > change.txt; git add change.txt; git commit -qm change', cwd: repo.dir, workspace: 'worktree' });
    const issue = await h.call('issues.create', { title: 'Add a change', assignee: 'w' });
    await waitFor(async () => ((await h.call('issues.get', { issue: issue.identifier })).status === 'in_review' ? true : null), 60_000, 'the run');
    // Only git's folder on PATH: no gh anywhere.
    mkdirSync(join(tools, 'only-git'));
    process.env.PATH = join(tools, 'only-git');
    symlinkSync('/usr/bin/git', join(tools, 'only-git', 'git'));
    const res = await h.call('issues.pr', { issue: issue.identifier });
    expect(res.pushed).toBe(true);
    expect(res.pr).toBeNull();
    expect(res.message).toMatch(/no pull request was opened: the GitHub CLI \(gh\) is not installed or not on PATH/);
  }, 180_000);
});
