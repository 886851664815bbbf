// An agent held back: over its budget (paused until the next period or until its budget is
// raised) or waiting for its CLI's usage window to reset (its queue stays, the scheduler skips
// it). One row per agent in agent_holds; the engine's fairness query skips agents held until a
// future time, and one timer, armed at the earliest deadline, releases them.
import { and, eq, isNotNull, isNull, lte, min, or, sql } from 'drizzle-orm';
import { agentHolds, agents } from '../db/schema';
import { recordActivity, type Q, type ServiceContext } from '../context';
import { loadAgentDto } from '../views/lookup';

export type HoldKind = 'budget' | 'usage_window';

export interface Hold {
  agentId: string;
  kind: HoldKind;
  until: Date | null;
  reason: string;
}

/** Sets (or replaces) an agent's hold; a budget hold also pauses the agent (wakes are refused). */
export async function placeHold(q: Q, hold: Hold & { runId?: string | null }): Promise<void> {
  const values = { agentId: hold.agentId, kind: hold.kind, until: hold.until, reason: hold.reason, runId: hold.runId ?? null, createdAt: new Date() };
  await q
    .insert(agentHolds)
    .values(values)
    .onConflictDoUpdate({ target: agentHolds.agentId, set: { kind: values.kind, until: values.until, reason: values.reason, runId: values.runId, createdAt: values.createdAt } });
  if (hold.kind === 'budget') await q.update(agents).set({ status: 'paused', updatedAt: new Date() }).where(eq(agents.id, hold.agentId));
}

/** Lifts an agent's hold of this kind; a budget hold's pause is lifted with it. True if there was one. */
export async function liftHold(q: Q, agentId: string, kind: HoldKind): Promise<boolean> {
  const gone = await q
    .delete(agentHolds)
    .where(and(eq(agentHolds.agentId, agentId), eq(agentHolds.kind, kind)))
    .returning({ agentId: agentHolds.agentId });
  if (gone.length === 0) return false;
  if (kind === 'budget') {
    await q.update(agents).set({ status: 'idle', updatedAt: new Date() }).where(and(eq(agents.id, agentId), eq(agents.status, 'paused')));
  }
  return true;
}

export async function holdOf(q: Q, agentId: string): Promise<Hold | null> {
  const [row] = await q.select().from(agentHolds).where(eq(agentHolds.agentId, agentId));
  return row ? { agentId: row.agentId, kind: row.kind as HoldKind, until: row.until, reason: row.reason } : null;
}

export async function listHolds(q: Q): Promise<Hold[]> {
  const rows = await q.select().from(agentHolds);
  return rows.map((row) => ({ agentId: row.agentId, kind: row.kind as HoldKind, until: row.until, reason: row.reason }));
}

/**
 * One timer at the earliest deadline of this machine's holds (never a poll): when it fires,
 * expired holds are lifted (a budget's pause too: its new period began) and the scheduler runs.
 */
export class HoldTimer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly onRelease: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Re-reads the earliest deadline and re-arms: after any hold change, and at start. */
  async arm(): Promise<void> {
    if (this.stopped) return;
    const mine = or(eq(agents.machineId, this.ctx.machineId), isNull(agents.machineId));
    const [row] = await this.ctx.db
      .select({ at: min(agentHolds.until) })
      .from(agentHolds)
      .innerJoin(agents, eq(agents.id, agentHolds.agentId))
      .where(and(isNotNull(agentHolds.until), mine));
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!row?.at || this.stopped) return;
    // setTimeout holds 2^31-1 ms at most (24.8 days): a later deadline re-arms on the way.
    const delay = Math.min(Math.max(0, new Date(row.at).getTime() - this.now().getTime()), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.release().catch(() => undefined), delay);
    this.timer.unref();
  }

  /** Lifts the holds whose time came, then runs the scheduler and re-arms. */
  async release(): Promise<void> {
    const now = this.now();
    const expired = await this.ctx.db
      .delete(agentHolds)
      .where(and(isNotNull(agentHolds.until), lte(agentHolds.until, now), sql`${agentHolds.agentId} in (select id from agents where machine_id = ${this.ctx.machineId} or machine_id is null)`))
      .returning();
    for (const hold of expired) {
      if (hold.kind === 'budget') {
        await this.ctx.db.update(agents).set({ status: 'idle', updatedAt: now }).where(and(eq(agents.id, hold.agentId), eq(agents.status, 'paused')));
        await recordActivity(this.ctx.db, this.ctx.workspaceId, { actor: 'system', action: 'agent.budget_period_began', entityType: 'agent', entityId: hold.agentId });
      }
      this.ctx.events.emit('agent.updated', await loadAgentDto(this.ctx.db, hold.agentId));
    }
    this.onRelease();
    await this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
