// What an adapter's prompt is built from, read for one run: the issue with its latest comments,
// the comment whose wake caused the run (kept across retries), and the input that arrived while
// the previous run was live.
import { desc, eq, inArray } from 'drizzle-orm';
import type { AdapterComment, AdapterIssue, AdapterRunInput } from '../adapters/types';
import type { Db } from '../db/client';
import { agents, issueComments, issues, type ContextSnapshot, type PendingInput } from '../db/schema';
import { PROMPT_COMMENT_COUNT } from '../adapters/prompt';

type CommentWithName = { c: typeof issueComments.$inferSelect; name: string | null };

const toAdapterComment = ({ c, name }: CommentWithName): AdapterComment => ({
  authorType: c.authorType as AdapterComment['authorType'],
  authorName: name ?? (c.authorType === 'user' ? 'user' : c.authorType === 'system' ? 'Vigil' : null),
  body: c.body,
  createdAt: c.createdAt.toISOString(),
});

export async function loadAdapterIssue(db: Db, issueId: string, snapshot: ContextSnapshot): Promise<{ issue: AdapterIssue | null; input: AdapterRunInput }> {
  const pending = Array.isArray(snapshot.pendingInput) ? (snapshot.pendingInput as PendingInput[]) : [];
  const wakeCommentId = typeof snapshot.commentId === 'string' ? snapshot.commentId : null;
  const wanted = [...new Set([wakeCommentId, ...pending.map((p) => p.commentId)].filter((id): id is string => !!id))];
  const [[issue], recent, named] = await Promise.all([
    db.select().from(issues).where(eq(issues.id, issueId)),
    db
      .select({ c: issueComments, name: agents.name })
      .from(issueComments)
      .leftJoin(agents, eq(agents.id, issueComments.authorAgentId))
      .where(eq(issueComments.issueId, issueId))
      .orderBy(desc(issueComments.createdAt))
      .limit(PROMPT_COMMENT_COUNT),
    wanted.length === 0
      ? Promise.resolve([] as CommentWithName[])
      : db.select({ c: issueComments, name: agents.name }).from(issueComments).leftJoin(agents, eq(agents.id, issueComments.authorAgentId)).where(inArray(issueComments.id, wanted)),
  ]);
  const byId = new Map(named.map((n) => [n.c.id, toAdapterComment(n)]));
  const input: AdapterRunInput = {
    wakeComment: wakeCommentId ? (byId.get(wakeCommentId) ?? null) : null,
    pendingInput: pending.map((p) => ({ reason: p.reason, comment: p.commentId ? (byId.get(p.commentId) ?? null) : null })),
  };
  if (!issue) return { issue: null, input };
  return {
    issue: {
      id: issue.id,
      identifier: issue.identifier,
      title: issue.title,
      body: issue.body,
      status: issue.status,
      comments: recent.reverse().map(toAdapterComment),
    },
    input,
  };
}
