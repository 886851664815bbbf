// The review queue: what agents finished and what is stuck, with what the agent said last, so the
// user can approve (status done) or ask for changes (a comment, which wakes the agent) from one list.
import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { ReviewItemDto } from '../../shared/contract';
import { heartbeatRunEvents, heartbeatRuns, issueComments, issues } from '../db/schema';
import { worktreeDiff } from '../workspaces/diff';
import type { IssueChecks } from '../checks/issue-checks';
import type { IssueWorkspaces } from '../workspaces/issue-workspaces';
import type { ServiceContext } from '../context';
import { issueDtos } from '../views/lookup';

/** Each list (in review, blocked) shows at most this many issues, oldest update last. */
const QUEUE_LIMIT = 100;
const WORDS_CHARS = 600;

/** Worktrees diffed at once for one queue (each diff is a handful of git processes). */
const DIFFS_AT_ONCE = 4;

type LastWords = NonNullable<ReviewItemDto['lastWords']>;
type Changes = ReviewItemDto['changes'];

export function reviewHandlers(ctx: ServiceContext, workspaces: IssueWorkspaces | null, checks: Pick<IssueChecks, 'latest'> | null = null) {
  /** The size of an issue's change in its active worktree; null without one, or when git cannot tell. */
  const changesOf = async (issueId: string): Promise<Changes> => {
    const row = await workspaces?.active(issueId);
    if (!row || (await workspaces!.health(row)).problem) return null;
    try {
      const diff = await worktreeDiff(row.path, { branch: row.baseBranch, commit: row.baseCommit }, { patch: false });
      return { files: diff.files.length, additions: diff.additions, deletions: diff.deletions };
    } catch {
      return null; // the diff page says what is wrong; the queue just shows no size
    }
  };
  return {
    'review.queue': async (): Promise<ReviewItemDto[]> => {
      const items: ReviewItemDto[] = [];
      for (const status of ['in_review', 'blocked'] as const) {
        const rows = await ctx.db
          .select()
          .from(issues)
          .where(and(eq(issues.workspaceId, ctx.workspaceId), eq(issues.status, status)))
          .orderBy(desc(issues.updatedAt))
          .limit(QUEUE_LIMIT);
        const dtos = await issueDtos(ctx.db, rows);
        for (const issue of dtos) {
          const lastRun = await lastRunOf(ctx, issue.id);
          items.push({ issue, lastWords: await lastWordsOf(ctx, issue.id, lastRun), lastRunId: lastRun?.id ?? null, changes: null, check: (await checks?.latest(issue.id)) ?? null });
        }
      }
      // Only work waiting for review has a change to weigh; a few worktrees at a time.
      const reviewed = items.filter((item) => item.issue.status === 'in_review');
      for (let i = 0; i < reviewed.length; i += DIFFS_AT_ONCE) {
        await Promise.all(reviewed.slice(i, i + DIFFS_AT_ONCE).map(async (item) => (item.changes = await changesOf(item.issue.id))));
      }
      return items;
    },
  };
}

async function lastRunOf(ctx: ServiceContext, issueId: string) {
  const [run] = await ctx.db
    .select({ id: heartbeatRuns.id, lastOutputLine: heartbeatRuns.lastOutputLine, finishedAt: heartbeatRuns.finishedAt, createdAt: heartbeatRuns.createdAt })
    .from(heartbeatRuns)
    .where(and(eq(heartbeatRuns.issueId, issueId), isNotNull(heartbeatRuns.startedAt)))
    .orderBy(desc(heartbeatRuns.createdAt))
    .limit(1);
  return run ?? null;
}

/**
 * The agent's last comment; else its last run's last prose (a coding agent's final message) or,
 * for a plain command, the last line on its screen; else the last system comment (why it is blocked).
 */
async function lastWordsOf(ctx: ServiceContext, issueId: string, run: Awaited<ReturnType<typeof lastRunOf>>): Promise<LastWords | null> {
  const [agentComment] = await ctx.db
    .select()
    .from(issueComments)
    .where(and(eq(issueComments.issueId, issueId), eq(issueComments.authorType, 'agent')))
    .orderBy(desc(issueComments.createdAt))
    .limit(1);
  if (agentComment) return words(agentComment.body, 'comment', agentComment.runId, agentComment.createdAt);
  if (run) {
    const [said] = await ctx.db
      .select({ message: heartbeatRunEvents.message, payload: heartbeatRunEvents.payload, createdAt: heartbeatRunEvents.createdAt })
      .from(heartbeatRunEvents)
      .where(and(eq(heartbeatRunEvents.runId, run.id), inArray(heartbeatRunEvents.type, ['assistant'])))
      .orderBy(desc(heartbeatRunEvents.seq))
      .limit(1);
    const text = said ? ((said.payload as { text?: unknown } | null)?.text ?? said.message) : null;
    if (typeof text === 'string' && text.trim()) return words(text, 'run', run.id, said.createdAt);
    // A coding agent's screen is JSON: its last line says nothing to a person.
    const line = run.lastOutputLine?.trim();
    if (line && !line.startsWith('{')) return words(line, 'run', run.id, run.finishedAt ?? run.createdAt);
  }
  const [system] = await ctx.db
    .select()
    .from(issueComments)
    .where(and(eq(issueComments.issueId, issueId), eq(issueComments.authorType, 'system')))
    .orderBy(desc(issueComments.createdAt))
    .limit(1);
  return system ? words(system.body, 'system', system.runId, system.createdAt) : null;
}

function words(text: string, source: LastWords['source'], runId: string | null, at: Date): LastWords {
  const trimmed = text.trim();
  return { text: trimmed.length > WORDS_CHARS ? `${trimmed.slice(0, WORDS_CHARS)}…` : trimmed, source, runId, at: at.toISOString() };
}
