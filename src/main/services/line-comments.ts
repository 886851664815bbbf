// Line comments on an issue's diff and Request changes (issue 23): a remark is anchored to a line
// of the worktree as the reviewer saw it (a snapshot tree: commits and uncommitted changes);
// Request changes sends every pending remark, with the lines around it, as ONE issue comment that
// wakes the assignee, which resumes its session in the same worktree. Each later diff shows where
// each remark stands: moved, or touched (its line changed since).
import { and, asc, eq } from 'drizzle-orm';
import type { CallParsedInput, LineCommentDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { issueComments, issues, reviewComments } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import { snapshotTree } from '../workspaces/diff';
import { gitOut } from '../workspaces/git';
import type { IssueWorkspaces } from '../workspaces/issue-workspaces';
import { anchorIn, hunkAround, placeIn } from '../workspaces/line-anchors';
import { newId, recordActivity, type ServiceContext } from '../context';
import { commentDto } from '../views/dto';
import { loadIssueDto, requireIssue } from '../views/lookup';

type ReviewCommentRow = typeof reviewComments.$inferSelect;

/** What the service needs of the engine: a wake of the issue's assignee with the comment to read. */
export interface ChangeRequestWaker {
  wakeForComment(issueId: string, commentId: string): Promise<boolean>;
}

/** The engine's wake, as the issue verbs use it: the assignee reads the comment in its next turn. */
export function engineWaker(ctx: ServiceContext, engine: Pick<HeartbeatEngine, 'wake'>): ChangeRequestWaker {
  return {
    async wakeForComment(issueId, commentId) {
      const [issue] = await ctx.db.select().from(issues).where(eq(issues.id, issueId));
      if (!issue?.assigneeAgentId || issue.status === 'done' || issue.status === 'cancelled') return false;
      await engine.wake(issue.assigneeAgentId, { source: 'on_demand', reason: 'issue_commented', triggerDetail: 'user', issueId, commentId });
      return true;
    },
  };
}

const toDto = (r: ReviewCommentRow, now: LineCommentDto['now']): LineCommentDto => ({
  id: r.id,
  issueId: r.issueId,
  path: r.path,
  line: r.line,
  commit: r.commit,
  lineText: r.lineText,
  body: r.body,
  state: r.state as LineCommentDto['state'],
  createdAt: r.createdAt.toISOString(),
  sentAt: r.sentAt?.toISOString() ?? null,
  now,
});

/** The text of the one follow-up turn: each remark with its place and the lines around it. */
export async function changeRequestText(repo: string, rows: ReviewCommentRow[], note: string | undefined): Promise<string> {
  const files = new Set(rows.map((r) => r.path)).size;
  const parts = [`Changes requested: ${rows.length} remark(s) on ${files} file(s). Address each one in this worktree.`];
  if (note) parts.push(note);
  let n = 0;
  for (const r of rows) {
    const hunk = await hunkAround(repo, r.tree, r.path, r.line);
    parts.push(`${++n}. ${r.path}, line ${r.line} (as of ${r.commit.slice(0, 10)}):\n\`\`\`\n${hunk}\n\`\`\`\n${r.body}`);
  }
  return parts.join('\n\n');
}

export function lineCommentHandlers(ctx: ServiceContext, workspaces: IssueWorkspaces, waker: ChangeRequestWaker) {
  const activeOf = async (ref: string) => {
    const issue = await requireIssue(ctx.db, ref);
    const row = await workspaces.active(issue.id);
    if (!row) throw new ContractError('not_found', `${issue.identifier} has no active worktree to comment on`, 'issue');
    const { problem } = await workspaces.health(row);
    if (problem) throw new ContractError('conflict', `${issue.identifier}'s worktree cannot be read: ${problem}`);
    return { issue, row };
  };

  return {
    'issues.lineComment': async (input: CallParsedInput<'issues.lineComment'>): Promise<LineCommentDto> => {
      const { issue, row } = await activeOf(input.issue);
      const path = input.path.replace(/^\.\//, '');
      const tree = await snapshotTree(row.path);
      const anchor = await anchorIn(row.path, tree, path, input.line);
      if (typeof anchor === 'string') throw new ContractError('invalid_input', `cannot comment on ${path}:${input.line}: ${anchor}`, 'line');
      const commit = await gitOut(row.path, ['rev-parse', 'HEAD']);
      const [saved] = await ctx.db
        .insert(reviewComments)
        .values({ id: newId(), issueId: issue.id, worktreeId: row.id, path, line: input.line, commit, tree, lineText: anchor.lineText, body: input.body })
        .returning();
      await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'issue.line_commented', entityType: 'issue', entityId: issue.id, details: { path, line: input.line } });
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
      return toDto(saved, { line: input.line, touched: false, outdated: false });
    },

    'issues.lineComments': async (input: CallParsedInput<'issues.lineComments'>): Promise<LineCommentDto[]> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const rows = await ctx.db.select().from(reviewComments).where(eq(reviewComments.issueId, issue.id)).orderBy(asc(reviewComments.createdAt));
      if (rows.length === 0) return [];
      const row = await workspaces.active(issue.id);
      const readable = row && !(await workspaces.health(row)).problem;
      const tree = readable ? await snapshotTree(row.path).catch(() => null) : null;
      return Promise.all(
        rows.map(async (r) => {
          if (!tree || !row || r.worktreeId !== row.id) return toDto(r, null);
          return toDto(r, await placeIn(row.path, r.tree, tree, r.path, r.line).catch(() => null));
        }),
      );
    },

    'issues.requestChanges': async (input: CallParsedInput<'issues.requestChanges'>) => {
      const { issue, row } = await activeOf(input.issue);
      const pending = await ctx.db
        .select()
        .from(reviewComments)
        .where(and(eq(reviewComments.issueId, issue.id), eq(reviewComments.state, 'pending')))
        .orderBy(asc(reviewComments.path), asc(reviewComments.line));
      const note = input.body?.trim() || undefined;
      if (pending.length === 0 && !note) {
        throw new ContractError('invalid_input', `${issue.identifier} has no pending line comments; add some (vigil issue comment ${issue.identifier} --file F --line N TEXT) or give the changes as text`, 'body');
      }
      const body = pending.length ? await changeRequestText(row.path, pending, note) : `Changes requested:\n${note}`;
      const now = new Date();
      const comment = await ctx.db.transaction(async (tx) => {
        const [c] = await tx.insert(issueComments).values({ id: newId(), issueId: issue.id, authorType: 'user', body }).returning();
        for (const p of pending) await tx.update(reviewComments).set({ state: 'sent', sentCommentId: c.id, sentAt: now }).where(and(eq(reviewComments.id, p.id), eq(reviewComments.state, 'pending')));
        // Work asked for again: the issue leaves review so the agent's wake is not refused.
        if (issue.status === 'in_review' || issue.status === 'done') await tx.update(issues).set({ status: 'in_progress', updatedAt: now }).where(eq(issues.id, issue.id));
        await recordActivity(tx, ctx.workspaceId, { actor: 'user', action: 'issue.changes_requested', entityType: 'issue', entityId: issue.id, details: { remarks: pending.length, commentId: c.id } });
        return c;
      });
      ctx.events.emit('comment.added', commentDto(comment, null));
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
      const woke = await waker.wakeForComment(issue.id, comment.id);
      const message = `Sent ${pending.length} line comment(s)${note ? ' and your note' : ''} to ${issue.identifier} as one comment${woke ? '; its agent was woken to work on them' : '; no agent is assigned to wake, so it waits for one'}.`;
      return { sent: pending.length, commentId: comment.id, woke, message };
    },
  };
}
