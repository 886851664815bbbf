// The issue verbs of the contract: create, list, read, update, assign, comment. Assigning an
// agent (or commenting on its issue) wakes it; the engine decides whether a run starts.
import { and, asc, desc, eq, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CallParsedInput, IssueDetailDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { activityLog, agents, heartbeatRuns, issueComments, issues, workspaces } from '../db/schema';
import type { HeartbeatEngine } from '../heartbeat/engine';
import type { CallContext } from '../api';
import { newId, recordActivity, type ServiceContext } from '../context';
import { Redactor } from '../../node/logs/redactor';
import { activityDto, commentDto, secretValuesOf } from '../views/dto';
import { escalationsOfIssue, resolveEscalationsOfIssue } from './escalations';
import { issueDtos, loadIssueDto, requireAgent, requireIssue, runDtos } from '../views/lookup';

const OPEN = ['backlog', 'todo', 'in_progress', 'in_review', 'blocked'];

function decodeCursor(cursor: string | undefined): number | null {
  if (!cursor) return null;
  const n = Number(cursor);
  if (!Number.isInteger(n) || n < 0) throw new ContractError('invalid_input', 'issues.list: cursor is not one this host gave out', 'cursor');
  return n;
}

export function issueHandlers(ctx: ServiceContext, engine: HeartbeatEngine) {
  const actorOf = (c: CallContext) => (c.agent ? `agent:${c.agent.agentId}` : 'user');

  /** What an agent writes is its output too: its secrets and token never reach the database or events. */
  const writerOf = async (c: CallContext): Promise<{ name: string | null; redact: (text: string) => string }> => {
    if (!c.agent) return { name: null, redact: (text) => text };
    const [author] = await ctx.db.select({ name: agents.name, env: agents.env, envPublic: agents.envPublic }).from(agents).where(eq(agents.id, c.agent.agentId));
    // Its run token too: an agent pasting it into a comment must not leave it readable.
    const token = c.caller.kind === 'agent' ? [c.caller.runToken] : [];
    const redactor = new Redactor([...(author ? secretValuesOf(author.env, author.envPublic) : []), ...token]);
    return { name: author?.name ?? null, redact: (text) => redactor.redactText(text) };
  };

  const wakeAssignee = async (issueId: string, reason: 'issue_assigned' | 'issue_commented', commentId?: string) => {
    const [issue] = await ctx.db.select().from(issues).where(eq(issues.id, issueId));
    if (!issue?.assigneeAgentId || !OPEN.includes(issue.status) || issue.status === 'blocked') return;
    await engine.wake(issue.assigneeAgentId, {
      source: reason === 'issue_assigned' ? 'assignment' : 'on_demand',
      reason,
      triggerDetail: reason === 'issue_assigned' ? 'system' : 'user',
      issueId,
      commentId: commentId ?? null,
    });
  };

  return {
    'issues.list': async (input: CallParsedInput<'issues.list'>) => {
      const limit = input.limit ?? 50;
      const where: SQL[] = [eq(issues.workspaceId, ctx.workspaceId)];
      if (input.status) where.push(eq(issues.status, input.status));
      if (input.assignee) where.push(eq(issues.assigneeAgentId, (await requireAgent(ctx.db, ctx.workspaceId, input.assignee)).id));
      if (input.q) {
        const pattern = `%${input.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
        where.push(or(ilike(issues.title, pattern), ilike(issues.identifier, pattern), ilike(issues.body, pattern))!);
      }
      const [{ total }] = await ctx.db.select({ total: sql<number>`count(*)::int` }).from(issues).where(and(...where));
      const before = decodeCursor(input.cursor);
      const rows = await ctx.db
        .select()
        .from(issues)
        .where(and(...where, ...(before !== null ? [lt(issues.number, before)] : [])))
        .orderBy(desc(issues.number))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: await issueDtos(ctx.db, page),
        nextCursor: rows.length > limit ? String(page[page.length - 1].number) : null,
        total: Number(total),
      };
    },

    'issues.get': async (input: CallParsedInput<'issues.get'>): Promise<IssueDetailDto> => {
      const issue = await requireIssue(ctx.db, input.issue);
      const [dto] = await issueDtos(ctx.db, [issue]);
      const comments = await ctx.db
        .select({ c: issueComments, name: agents.name })
        .from(issueComments)
        .leftJoin(agents, eq(agents.id, issueComments.authorAgentId))
        .where(eq(issueComments.issueId, issue.id))
        .orderBy(asc(issueComments.createdAt));
      const runs = await ctx.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.issueId, issue.id)).orderBy(desc(heartbeatRuns.createdAt)).limit(100);
      const activity = await ctx.db.select().from(activityLog).where(eq(activityLog.entityId, issue.id)).orderBy(desc(activityLog.createdAt)).limit(100);
      return {
        ...dto,
        comments: comments.map(({ c, name }) => commentDto(c, name)),
        runs: await runDtos(ctx.db, runs),
        escalations: await escalationsOfIssue(ctx.db, issue.id),
        activity: activity.map(activityDto),
      };
    },

    'issues.create': async (input: CallParsedInput<'issues.create'>) => {
      const assignee = input.assignee ? await requireAgent(ctx.db, ctx.workspaceId, input.assignee) : null;
      const id = newId();
      await ctx.db.transaction(async (tx) => {
        const [ws] = await tx
          .update(workspaces)
          .set({ issueCounter: sql`${workspaces.issueCounter} + 1`, updatedAt: new Date() })
          .where(eq(workspaces.id, ctx.workspaceId))
          .returning();
        await tx.insert(issues).values({
          id,
          workspaceId: ctx.workspaceId,
          number: ws.issueCounter,
          identifier: `${ws.issuePrefix}-${ws.issueCounter}`,
          title: input.title,
          body: input.body ?? '',
          status: input.status ?? 'todo',
          priority: input.priority ?? 'medium',
          assigneeAgentId: assignee?.id ?? null,
        });
        await recordActivity(tx, ctx.workspaceId, {
          actor: 'user',
          action: 'issue.created',
          entityType: 'issue',
          entityId: id,
          details: { title: input.title, assignee: assignee?.name ?? null },
        });
      });
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, id));
      if (assignee) await wakeAssignee(id, 'issue_assigned');
      return loadIssueDto(ctx.db, id);
    },

    'issues.update': async (input: CallParsedInput<'issues.update'>, call: CallContext) => {
      const issue = await requireIssue(ctx.db, input.issue);
      const now = new Date();
      const patch: Partial<typeof issues.$inferInsert> = { updatedAt: now };
      const { redact } = await writerOf(call);
      if (input.title !== undefined) patch.title = redact(input.title);
      if (input.body !== undefined) patch.body = redact(input.body);
      if (input.priority !== undefined) patch.priority = input.priority;
      if (input.status !== undefined) {
        patch.status = input.status;
        if (input.status === 'done' || input.status === 'cancelled') patch.completedAt = now;
      }
      await ctx.db.transaction(async (tx) => {
        await tx.update(issues).set(patch).where(eq(issues.id, issue.id));
        await recordActivity(tx, ctx.workspaceId, {
          actor: actorOf(call),
          action: 'issue.updated',
          entityType: 'issue',
          entityId: issue.id,
          details: { from: issue.status, to: patch.status ?? issue.status, fields: Object.keys(input).filter((k) => k !== 'issue') },
        });
      });
      if (issue.status === 'blocked' && input.status && input.status !== 'blocked') await resolveEscalationsOfIssue(ctx, issue.id);
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
      // A person moving a blocked or finished issue back to todo asks for it to be worked again.
      if (!call.agent && input.status === 'todo' && issue.status !== 'todo') await wakeAssignee(issue.id, 'issue_assigned');
      return loadIssueDto(ctx.db, issue.id);
    },

    'issues.assign': async (input: CallParsedInput<'issues.assign'>, call: CallContext) => {
      const issue = await requireIssue(ctx.db, input.issue);
      const agent = input.agent ? await requireAgent(ctx.db, ctx.workspaceId, input.agent) : null;
      const reopen = issue.status === 'blocked' || issue.status === 'backlog';
      await ctx.db.transaction(async (tx) => {
        await tx
          .update(issues)
          .set({
            assigneeAgentId: agent?.id ?? null,
            assigneeUserId: agent ? null : (input.user ?? null),
            ...(agent && reopen ? { status: 'todo' } : {}),
            updatedAt: new Date(),
          })
          .where(eq(issues.id, issue.id));
        await recordActivity(tx, ctx.workspaceId, {
          actor: actorOf(call),
          action: 'issue.assigned',
          entityType: 'issue',
          entityId: issue.id,
          details: { agent: agent?.name ?? null, user: input.user ?? null },
        });
      });
      if (agent && reopen) await resolveEscalationsOfIssue(ctx, issue.id);
      ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, issue.id));
      if (agent) await wakeAssignee(issue.id, 'issue_assigned');
      return loadIssueDto(ctx.db, issue.id);
    },

    'issues.comment': async (input: CallParsedInput<'issues.comment'>, call: CallContext) => {
      const issue = await requireIssue(ctx.db, input.issue);
      const byAgent = call.agent;
      const author = await writerOf(call);
      const body = author.redact(input.body);
      const [row] = await ctx.db
        .insert(issueComments)
        .values({
          id: newId(),
          issueId: issue.id,
          authorType: byAgent ? 'agent' : 'user',
          authorAgentId: byAgent?.agentId ?? null,
          runId: byAgent?.runId ?? null,
          body,
        })
        .returning();
      await recordActivity(ctx.db, ctx.workspaceId, {
        actor: actorOf(call),
        action: 'issue.commented',
        entityType: 'issue',
        entityId: issue.id,
        details: { commentId: row.id },
      });
      const dto = commentDto(row, author.name);
      ctx.events.emit('comment.added', dto);
      if (!byAgent) await wakeAssignee(issue.id, 'issue_commented', row.id);
      return dto;
    },
  };
}
