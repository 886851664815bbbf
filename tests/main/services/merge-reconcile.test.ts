// The start after a host killed mid-merge: the journal says the result was computed and the
// checkout was being moved; the next host finishes it (branch, files) and makes the issue's
// records say so (done, worktree merged), with a start-up notice. Postgres store: no initdb wait.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { issues, issueWorkspaces } from '../../../src/main/db/schema';
import { mergeJournalDirOf, writeJournal } from '../../../src/main/workspaces/merge-journal';
import { addWorktree } from '../../../src/main/workspaces/worktree';
import { makeRepo, sh } from '../../helpers/git-repo';
import { startTestHost, type TestHost } from '../../helpers/host';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('reconcileMerges at start', () => {
  it('finishes a merge a killed host left applying, and the issue becomes done', async () => {
    const repo = makeRepo({ 'a.txt': 'one\n' });
    cleanups.push(repo.cleanup);
    let t: TestHost = await startTestHost('postgres');
    const target = t.target;
    cleanups.push(() => t.stop());
    const issue = await t.call('issues.create', { title: 'Change a' });
    const wt = await addWorktree(repo.dir, join(target.dataDir, 'workspaces', issue.identifier), `vigil/${issue.identifier}`);
    writeFileSync(join(wt.path, 'a.txt'), 'two\n');
    sh(wt.path, ['commit', '--quiet', '-am', 'agent']);
    const head = sh(wt.path, ['rev-parse', 'HEAD']);
    const ctx = t.host.ctx;
    const [row] = await ctx.db
      .insert(issueWorkspaces)
      .values({ id: 'ws-1', issueId: issue.id, agentId: null, repoPath: repo.dir, ...wt })
      .returning();
    await ctx.db.update(issues).set({ status: 'in_review' }).where(eq(issues.id, issue.id));
    await t.stop();
    // What a host killed right after recording the plan leaves behind.
    const dir = mergeJournalDirOf(target.dataDir);
    mkdirSync(dir, { recursive: true });
    writeJournal(dir, {
      version: 1, id: 'j1', issueId: issue.id, workspaceId: row.id, repo: repo.dir, worktree: wt.path, branch: wt.branch, baseBranch: 'main',
      phase: 'applying', committedChanges: false, oldTip: wt.baseCommit, target: head, method: 'fast_forward', checkout: repo.dir, git: null, startedAt: new Date().toISOString(),
    });

    t = await startTestHost('postgres', {}, target);
    expect(sh(repo.dir, ['rev-parse', 'main'])).toBe(head);
    expect(readFileSync(join(repo.dir, 'a.txt'), 'utf8')).toBe('two\n');
    expect(sh(repo.dir, ['status', '--porcelain'])).toBe('');
    expect(t.host.info.notices.join(' ')).toMatch(/the merge of vigil\/.* into main was interrupted and has been finished/);
    const [after] = await t.host.ctx.db.select().from(issues).where(eq(issues.id, issue.id));
    expect(after.status).toBe('done');
    const [ws] = await t.host.ctx.db.select().from(issueWorkspaces).where(eq(issueWorkspaces.id, row.id));
    expect(ws).toMatchObject({ state: 'merged', mergedCommit: head });
  }, 120_000);
});
