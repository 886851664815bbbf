// At start, before the scheduler: merges a killed host left in flight are finished or dropped
// (merge-recovery.ts), and the issue's records are made true to the repository: a base branch
// that moved to the merge result makes the issue done with its worktree closed, as the merge verb
// would have. Returns one sentence for the start-up notice, or null when there was nothing.
import { eq } from 'drizzle-orm';
import { issues, issueWorkspaces } from '../db/schema';
import type { IssueWorkspaces } from '../workspaces/issue-workspaces';
import { mergeJournalDirOf, removeJournal } from '../workspaces/merge-journal';
import { finishMerges } from '../workspaces/merge-recovery';
import type { ServiceContext } from '../context';
import { recordMerged } from './workspaces';

export async function reconcileMerges(ctx: ServiceContext, workspaces: IssueWorkspaces, notices?: string[]): Promise<string | null> {
  const said = await reconcileMergesNow(ctx, workspaces).catch((err: Error) => `Merges in flight could not be checked: ${err.message}.`);
  if (said) notices?.push(said);
  return said;
}

async function reconcileMergesNow(ctx: ServiceContext, workspaces: IssueWorkspaces): Promise<string | null> {
  const dir = mergeJournalDirOf(ctx.dataDir);
  const { results, unreadable } = await finishMerges(dir);
  const said: string[] = [];
  for (const r of results) {
    const j = r.journal;
    const what = `the merge of ${j.branch} into ${j.baseBranch}`;
    if (r.kind === 'still_running') said.push(`${what} is still being written by git (pid ${j.git?.pid ?? '?'}); it is finished at the next start`);
    else if (r.kind === 'failed') said.push(`${what} could not be finished (${r.why}); its journal is kept in ${dir}`);
    else if (r.kind === 'not_merged') said.push(`${what} was interrupted and not merged: ${r.why}`);
    else {
      const [issue] = j.issueId ? await ctx.db.select().from(issues).where(eq(issues.id, j.issueId)) : [];
      const [row] = j.workspaceId ? await ctx.db.select().from(issueWorkspaces).where(eq(issueWorkspaces.id, j.workspaceId)) : [];
      if (issue && row && row.state === 'active') {
        const outcome = { kind: 'merged' as const, method: j.method ?? 'merge_commit', commit: j.target!, committedChanges: j.committedChanges, checkout: j.checkout, journalId: j.id };
        await recordMerged(ctx, workspaces, issue, row, outcome, ' (Finished at start: the host had stopped in the middle of this merge.)');
      } else removeJournal(dir, j.id);
      said.push(`${what} was interrupted and has been finished; ${issue?.identifier ?? 'its issue'} is done`);
    }
  }
  for (const u of unreadable) said.push(`the merge journal ${u.file} cannot be read (${u.reason}); it was kept for you to look at`);
  return said.length ? `Merges: ${said.join('; ')}.` : null;
}
