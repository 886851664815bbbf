// Firing a routine: exactly once per due time. The routine's next_due_at moves on in one
// conditional update (where next_due_at = the due time read), in the same transaction as the
// issue it creates: a second host, or a second timer of this one, changes nothing and creates
// nothing. The next due time is computed from now, not from the missed one: a host that was
// down across several due times (or a laptop waking from sleep) fires once, not once per miss.
import { and, eq, sql } from 'drizzle-orm';
import { issues, routines, workspaces } from '../db/schema';
import { newId, recordActivity, type ServiceContext } from '../context';
import { nextDue } from './cron';

export type RoutineRow = typeof routines.$inferSelect;

export interface Fired {
  routine: RoutineRow;
  issueId: string;
}

/** Fires `routine` for its due time `due`; null when another host (or timer) fired it first. */
export async function fireRoutine(ctx: ServiceContext, routine: RoutineRow, due: Date, now: Date): Promise<Fired | null> {
  const next = nextDue(routine.cron, routine.timezone, now);
  return ctx.db.transaction(async (tx) => {
    const [moved] = await tx
      .update(routines)
      .set({ nextDueAt: next, lastFiredAt: now, updatedAt: now })
      .where(and(eq(routines.id, routine.id), eq(routines.nextDueAt, due), eq(routines.enabled, true)))
      .returning();
    if (!moved) return null;
    const [ws] = await tx
      .update(workspaces)
      .set({ issueCounter: sql`${workspaces.issueCounter} + 1`, updatedAt: now })
      .where(eq(workspaces.id, routine.workspaceId))
      .returning();
    const issueId = newId();
    await tx.insert(issues).values({
      id: issueId,
      workspaceId: routine.workspaceId,
      number: ws.issueCounter,
      identifier: `${ws.issuePrefix}-${ws.issueCounter}`,
      title: routine.title,
      body: routine.body,
      status: 'todo',
      priority: 'medium',
      assigneeAgentId: routine.agentId,
    });
    await tx.update(routines).set({ lastIssueId: issueId }).where(eq(routines.id, routine.id));
    await recordActivity(tx, routine.workspaceId, {
      actor: 'system',
      action: 'routine.fired',
      entityType: 'issue',
      entityId: issueId,
      details: { routineId: routine.id, due: due.toISOString(), next: next?.toISOString() ?? null },
    });
    return { routine: { ...moved, lastIssueId: issueId }, issueId };
  });
}
