// The pull-request verbs (issue 23): push the issue's branch and open its pull request with gh,
// recorded on the issue's worktree row; refresh its state with gh pr view.
import { and, desc, eq } from 'drizzle-orm';
import type { CallParsedInput, PullRequestResultDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { issueComments, issueWorkspaces } from '../db/schema';
import type { IssueWorkspaces } from '../workspaces/issue-workspaces';
import { openPullRequest, PullRequestError, pushBranch, viewPullRequest, type PrState } from '../workspaces/pull-request';
import { recordActivity, type ServiceContext } from '../context';
import { loadIssueDto, requireIssue } from '../views/lookup';

export function pullRequestHandlers(ctx: ServiceContext, workspaces: IssueWorkspaces) {
  const save = async (rowId: string, pr: PrState) => {
    await ctx.db.update(issueWorkspaces).set({ prUrl: pr.url, prNumber: pr.number, prState: pr.state, prCheckedAt: new Date(), updatedAt: new Date() }).where(eq(issueWorkspaces.id, rowId));
  };
  const words = (err: unknown) => {
    if (err instanceof PullRequestError) return err.message;
    throw err;
  };
  return {
    'issues.pr': async (input: CallParsedInput<'issues.pr'>): Promise<PullRequestResultDto> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await workspaces.active(issue.id);
      if (!row) throw new ContractError('not_found', `${issue.identifier} has no active worktree to push`, 'issue');
      let pushed: Awaited<ReturnType<typeof pushBranch>>;
      try {
        pushed = await pushBranch(row.repoPath, row.path, row.branch, `${issue.identifier}: ${issue.title}\n\nChanges left uncommitted in ${row.branch}, committed by Vigil for its pull request.`);
      } catch (err) {
        throw new ContractError('conflict', `${issue.identifier} was not pushed: ${words(err)}`);
      }
      const base = { pushed: true, remote: pushed.remote, branch: row.branch };
      if (input.pushOnly) return { ...base, pr: null, message: `Pushed ${row.branch} to ${pushed.remote}.` };
      const [summary] = await ctx.db
        .select({ body: issueComments.body })
        .from(issueComments)
        .where(and(eq(issueComments.issueId, issue.id), eq(issueComments.authorType, 'agent')))
        .orderBy(desc(issueComments.createdAt))
        .limit(1);
      const body = [issue.body?.trim() || null, summary ? `## What the agent said\n\n${summary.body.trim()}` : null, `Opened by Vigil from ${issue.identifier} (branch ${row.branch}).`].filter(Boolean).join('\n\n');
      let pr: PrState;
      try {
        pr = row.prUrl ? await viewPullRequest(row.repoPath, row.prUrl) : await openPullRequest(row.repoPath, row.branch, row.baseBranch, `${issue.identifier}: ${issue.title}`, body);
      } catch (err) {
        return { ...base, pr: null, message: `Pushed ${row.branch} to ${pushed.remote}, but no pull request was opened: ${words(err)}.` };
      }
      await save(row.id, pr);
      await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'issue.pr_opened', entityType: 'issue', entityId: issue.id, details: { url: pr.url } });
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
      return { ...base, pr: { ...pr, checkedAt: new Date().toISOString() }, message: `Pushed ${row.branch} to ${pushed.remote}; pull request ${pr.url} (${pr.state ?? 'state unknown'}).` };
    },

    'issues.prRefresh': async (input: CallParsedInput<'issues.prRefresh'>): Promise<PullRequestResultDto> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const row = await workspaces.latest(issue.id);
      if (!row?.prUrl) throw new ContractError('not_found', `${issue.identifier} has no pull request (vigil issue pr ${issue.identifier} opens one)`, 'issue');
      let pr: PrState;
      try {
        pr = await viewPullRequest(row.repoPath, row.prUrl);
      } catch (err) {
        throw new ContractError('conflict', `the state of ${row.prUrl} could not be read: ${words(err)}`);
      }
      await save(row.id, pr);
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
      return { pushed: false, remote: null, branch: row.branch, pr: { ...pr, checkedAt: new Date().toISOString() }, message: `${pr.url} is ${pr.state ?? 'in an unknown state'}.` };
    },
  };
}
