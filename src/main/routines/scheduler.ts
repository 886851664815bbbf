// Routines' one timer: armed at the earliest next_due_at of this machine's enabled routines
// (re-armed after each change and each firing), never a poll. Team mode: only the routine's
// agent's machine fires it; the conditional update in firing.ts makes a race harmless anyway.
import { and, asc, eq, isNotNull, isNull, lte, min, or } from 'drizzle-orm';
import { agents, routines } from '../db/schema';
import type { ServiceContext } from '../context';
import { loadIssueDto } from '../views/lookup';
import { fireRoutine, type Fired } from './firing';

export interface RoutineSchedulerOptions {
  now?: () => Date;
  /** After a firing committed: the issue's assignee is woken (issue_assigned). */
  onFired: (fired: Fired) => Promise<void>;
}

/** setTimeout holds 2^31-1 ms at most; a later due time re-arms on the way. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export class RoutineScheduler {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private firing: Promise<Fired[]> | null = null;
  private readonly now: () => Date;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: RoutineSchedulerOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  private mine() {
    return and(eq(routines.enabled, true), isNotNull(routines.nextDueAt), or(eq(agents.machineId, this.ctx.machineId), isNull(agents.machineId)));
  }

  /** At start (missed due times fire once now) and after any change: fires what is due, arms the timer. */
  async arm(): Promise<Fired[]> {
    if (this.stopped) return [];
    const fired = await this.fireDue();
    const [row] = await this.ctx.db
      .select({ at: min(routines.nextDueAt) })
      .from(routines)
      .innerJoin(agents, eq(agents.id, routines.agentId))
      .where(this.mine());
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!row?.at || this.stopped) return fired;
    const delay = Math.min(Math.max(0, new Date(row.at).getTime() - this.now().getTime()), MAX_DELAY_MS);
    this.timer = setTimeout(() => void this.arm().catch((err: Error) => this.ctx.events.emit('host.notice', { level: 'error', message: `routines: ${err.message}` })), delay);
    this.timer.unref();
    return fired;
  }

  /** Fires every routine of this machine whose due time came, each once (single flight). */
  async fireDue(): Promise<Fired[]> {
    while (this.firing) await this.firing.catch(() => undefined);
    this.firing = this.fireDueNow();
    try {
      return await this.firing;
    } finally {
      this.firing = null;
    }
  }

  private async fireDueNow(): Promise<Fired[]> {
    const now = this.now();
    const due = await this.ctx.db
      .select({ routine: routines })
      .from(routines)
      .innerJoin(agents, eq(agents.id, routines.agentId))
      .where(and(this.mine(), lte(routines.nextDueAt, now)))
      .orderBy(asc(routines.nextDueAt));
    const fired: Fired[] = [];
    for (const { routine } of due) {
      const done = await fireRoutine(this.ctx, routine, routine.nextDueAt!, now);
      if (!done) continue;
      fired.push(done);
      if (this.ctx.events.listens('issue.updated')) this.ctx.events.emit('issue.updated', await loadIssueDto(this.ctx.db, done.issueId));
      await this.opts.onFired(done).catch(() => undefined);
    }
    return fired;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
