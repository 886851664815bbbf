// @vitest-environment jsdom
// The issue page's worktree section: files with +/- counts and a coloured diff, a missing
// worktree said as such (never as every file deleted), and refreshes driven by the run's events.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { IssueDiffDto, WorkspaceDto } from '../../src/shared/contract';
import { parsePatch } from '../../src/renderer/workspace/patch';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

const PATCH = [
  'diff --git a/src/app.ts b/src/app.ts',
  'index 1111111..2222222 100644',
  '--- a/src/app.ts',
  '+++ b/src/app.ts',
  '@@ -1,2 +1,2 @@',
  ' const a = 1;',
  "-export const greeting = 'hello';",
  "+export const greeting = 'hello world';",
  'diff --git a/new file.txt b/new file.txt',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/new file.txt\t',
  '@@ -0,0 +1 @@',
  '+fresh',
  '\\ No newline at end of file',
  '',
].join('\n');

function workspace(issueId: string, partial: Partial<WorkspaceDto> = {}): WorkspaceDto {
  return {
    id: 'w1',
    issueId,
    issueIdentifier: 'VIG-1',
    issueTitle: 't',
    agentId: null,
    agent: 'builder',
    repoPath: '/repo',
    path: '/data/workspaces/VIG-1',
    branch: 'vigil/VIG-1-greeting',
    baseBranch: 'main',
    baseCommit: 'a'.repeat(40),
    state: 'active',
    mergedCommit: null,
    health: 'ok',
    problem: null,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    closedAt: null,
    ...partial,
  };
}

function diffOf(ws: WorkspaceDto, patch = PATCH): IssueDiffDto {
  return {
    workspace: ws,
    files: [
      { path: 'new file.txt', oldPath: null, change: 'added', additions: 1, deletions: 0, binary: false },
      { path: 'src/app.ts', oldPath: null, change: 'modified', additions: 1, deletions: 1, binary: false },
    ],
    additions: 2,
    deletions: 1,
    commitsAhead: 0,
    uncommitted: true,
    fromCommit: ws.baseCommit,
    headCommit: ws.baseCommit,
    patch,
    patchTruncated: false,
  };
}

describe('issue worktree view', () => {
  it('parses git patches: numbered lines, quoted and tabbed paths, no-newline notes', () => {
    const files = parsePatch(PATCH);
    expect(files.map((f) => f.path)).toEqual(['src/app.ts', 'new file.txt']);
    expect(files[0].hunks[0].lines.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ['context', 1, 1],
      ['del', 2, null],
      ['add', null, 2],
    ]);
    expect(files[1].hunks[0].lines.map((l) => l.kind)).toEqual(['add', 'note']);
    expect(parsePatch('diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"\n--- "a/caf\\303\\251.txt"\n+++ "b/caf\\303\\251.txt"\n@@ -1 +1 @@\n-a\n+b\n')[0].path).toBe('café.txt');
  });

  it('shows the changed files with counts and the diff with syntax colours, refreshed by the run', async () => {
    const host = new FakeHost();
    const agent = host.addAgent({ name: 'builder' });
    const issue = host.addIssue({ title: 'Greeting', assigneeAgent: agent.name, assigneeAgentId: agent.id });
    const run = host.addRun(agent, { issueId: issue.id, issueIdentifier: issue.identifier, status: 'running' });
    host.diffs.set(issue.identifier, diffOf(workspace(issue.id)));
    renderApp(host, `#/issues/${issue.identifier}`);

    const files = await screen.findByRole('list', { name: 'Changed files' });
    expect(within(files).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Anew file.txt+1 −0', 'Msrc/app.ts+1 −1']);
    const code = await screen.findByRole('article', { name: 'Diff of src/app.ts' }, { timeout: 10_000 });
    expect(code.querySelector('.ws-line-add .hljs-string')?.textContent).toBe("'hello world'");
    expect(code.querySelector('.ws-line-del .hljs-keyword')?.textContent).toBe('export');
    expect(screen.getByText('vigil/VIG-1-greeting')).toBeTruthy();

    // Output of its run: one refetch after the burst, not one per chunk.
    const before = host.calls('issues.diff').length;
    act(() => {
      for (let i = 0; i < 20; i++) host.emit('run.output', { runId: run.id, offset: i, data: 'eA==' });
    });
    await waitFor(() => expect(host.calls('issues.diff').length).toBe(before + 1), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 1800));
    expect(host.calls('issues.diff').length).toBe(before + 1);
    // Output of someone else's run changes nothing.
    act(() => host.emit('run.output', { runId: 'another-run', offset: 0, data: 'eA==' }));
    await new Promise((r) => setTimeout(r, 1800));
    expect(host.calls('issues.diff').length).toBe(before + 1);
  }, 20_000);

  it('requests changes with a comment, and discards only after a second click', async () => {
    const host = new FakeHost();
    const issue = host.addIssue({ title: 'Greeting' });
    host.diffs.set(issue.identifier, diffOf(workspace(issue.id)));
    renderApp(host, `#/issues/${issue.identifier}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Request changes' }));
    fireEvent.change(screen.getByLabelText('What to change'), { target: { value: 'Keep the old greeting too.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send and wake the agent' }));
    // issue 23: Request changes sends the pending line comments and the note as one turn.
    await waitFor(() => expect(host.calls('issues.requestChanges')).toEqual([{ issue: issue.identifier, body: 'Keep the old greeting too.' }]));

    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(host.calls('issues.discard')).toEqual([]);
    expect(screen.getByText(/Delete the worktree and vigil\/VIG-1-greeting, with 2 changed files\?/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, discard' }));
    await waitFor(() => expect(host.calls('issues.discard')).toEqual([{ issue: issue.identifier, confirm: true }]));
    expect(await screen.findByText('was thrown away', { exact: false })).toBeTruthy();
  });

  it('says a missing worktree is missing, with no file list', async () => {
    const host = new FakeHost();
    const issue = host.addIssue({ title: 'Lost' });
    const ws = workspace(issue.id, { health: 'missing', problem: 'the worktree folder /data/workspaces/VIG-1 is missing' });
    host.diffs.set(issue.identifier, { ...diffOf(ws, ''), files: [], additions: 0, deletions: 0, patch: null });
    renderApp(host, `#/issues/${issue.identifier}`);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The worktree is missing');
    expect(alert.textContent).toContain('keeps the committed work');
    expect(screen.queryByRole('list', { name: 'Changed files' })).toBeNull();
    expect(screen.queryByText(/deleted/i)).toBeNull();
    expect(screen.queryByRole('button', { name: /Merge/ })).toBeNull();
  });

  it('shows nothing for an issue without a worktree', async () => {
    const host = new FakeHost();
    const issue = host.addIssue({ title: 'Plain' });
    const { client } = renderApp(host, `#/issues/${issue.identifier}`);
    await screen.findByRole('heading', { name: /Plain/ });
    // The absence must be the answer's: wait until the diff call answered and React rendered it.
    await waitFor(() => expect(client.getQueryState(['issues.diff', issue.identifier])?.status).toBe('success'));
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(screen.queryByRole('region', { name: 'Changes' })).toBeNull();
  });
});
