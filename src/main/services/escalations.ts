// Escalation: when retrying did not help, the issue is blocked, a system comment says why, and
// an escalation is opened (the desktop app turns it into a notification).
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { EscalationDto } from '../../shared/contract';
import type { EscalationKind } from '../../shared/domain';
import { ContractError, notFound } from '../../shared/errors';
import { escalations, issueComments, issues } from '../db/schema';
import { newId, recordActivity, type Q, type ServiceContext } from '../context';
import { commentDto, escalationDto } from '../views/dto';
import { loadIssueDto } from '../views/lookup';
import { requireEscalationId } from '../views/resolve';

export interface EscalateInput {
  issueId: string;
  kind: EscalationKind;
  message: string;
  runId: string | null;
}

/** Blocks the issue, comments, opens the escalation; all in one transaction, events after. */
export async function escalate(ctx: ServiceContext, input: EscalateInput): Promise<EscalationDto | null> {
  const out = await ctx.db.transaction(async (tx) => {
    const [issue] = await tx.select().from(issues).where(eq(issues.id, input.issueId));
    if (!issue || issue.status === 'blocked' || issue.status === 'done' || issue.status === 'cancelled') return null;
    const now = new Date();
    await tx.update(issues).set({ status: 'blocked', executionRunId: null, updatedAt: now }).where(eq(issues.id, issue.id));
    const [comment] = await tx
      .insert(issueComments)
      .values({ id: newId(), issueId: issue.id, authorType: 'system', runId: input.runId, body: input.message })
      .returning();
    const [row] = await tx
      .insert(escalations)
      .values({ id: newId(), issueId: issue.id, runId: input.runId, kind: input.kind, message: input.message })
      .returning();
    await recordActivity(tx, issue.workspaceId, {
      actor: 'system',
      action: 'issue.escalated',
      entityType: 'issue',
      entityId: issue.id,
      details: { kind: input.kind, runId: input.runId, escalationId: row.id },
    });
    return { comment, escalation: escalationDto(row, issue) };
  });
  if (!out) return null;
  ctx.events.emit('issue.updated', await loadIssueDto(ctx.db, input.issueId));
  ctx.events.emit('comment.added', commentDto(out.comment, null));
  ctx.events.emit('escalation.opened', out.escalation);
  return out.escalation;
}

export async function listEscalations(q: Q, open: boolean): Promise<EscalationDto[]> {
  const rows = await q
    .select({ e: escalations, identifier: issues.identifier, title: issues.title })
    .from(escalations)
    .innerJoin(issues, eq(issues.id, escalations.issueId))
    .where(open ? isNull(escalations.resolvedAt) : undefined)
    .orderBy(desc(escalations.createdAt))
    .limit(500);
  return rows.map((r) => escalationDto(r.e, r));
}

export async function escalationsOfIssue(q: Q, issueId: string): Promise<EscalationDto[]> {
  const rows = await q
    .select({ e: escalations, identifier: issues.identifier, title: issues.title })
    .from(escalations)
    .innerJoin(issues, eq(issues.id, escalations.issueId))
    .where(eq(escalations.issueId, issueId))
    .orderBy(desc(escalations.createdAt));
  return rows.map((r) => escalationDto(r.e, r));
}

/** Marks an open escalation resolved; returns it (or throws when unknown). */
export async function resolveEscalation(ctx: ServiceContext, ref: string, how: 'retried' | 'dismissed'): Promise<EscalationDto> {
  const id = await requireEscalationId(ctx.db, ref);
  const [row] = await ctx.db
    .select({ e: escalations, identifier: issues.identifier, title: issues.title, workspaceId: issues.workspaceId })
    .from(escalations)
    .innerJoin(issues, eq(issues.id, escalations.issueId))
    .where(eq(escalations.id, id));
  if (!row) throw notFound('escalation', id);
  if (row.e.resolvedAt) throw new ContractError('conflict', `escalation ${id} is already resolved`);
  const [updated] = await ctx.db
    .update(escalations)
    .set({ resolvedAt: new Date() })
    .where(and(eq(escalations.id, id), isNull(escalations.resolvedAt)))
    .returning();
  await recordActivity(ctx.db, row.workspaceId, {
    actor: 'user',
    action: `escalation.${how}`,
    entityType: 'escalation',
    entityId: id,
    details: { issueId: row.e.issueId },
  });
  const dto = escalationDto(updated ?? row.e, row);
  ctx.events.emit('escalation.updated', dto);
  return dto;
}

/** Issue moved out of blocked by a person: its open escalations are settled. */
export async function resolveEscalationsOfIssue(ctx: ServiceContext, issueId: string): Promise<void> {
  const rows = await ctx.db
    .update(escalations)
    .set({ resolvedAt: new Date() })
    .where(and(eq(escalations.issueId, issueId), isNull(escalations.resolvedAt)))
    .returning();
  if (rows.length === 0) return;
  const [issue] = await ctx.db.select().from(issues).where(eq(issues.id, issueId));
  for (const r of rows) ctx.events.emit('escalation.updated', escalationDto(r, issue));
}
