// Budgets and usage windows enforced during a run. The engine calls in at four points (see
// RunLimitsHook): a claimed run's allowance is read; every batch of parsed events is checked
// (a usage limit reported, or the run's cost or tokens crossing what its budgets have left:
// the engine's stop path ends it); once the run's end is durable, the run is queued again for
// when the agent may go on; and a wake of a held agent is refused with the reason.
import { and, eq, inArray } from 'drizzle-orm';
import type { BudgetPeriod, InvocationSource } from '../../shared/domain';
import type { AdapterEvent } from '../adapters/types';
import { budgets, heartbeatRuns, type UsageRecord } from '../db/schema';
import { insertQueuedRun, lockAgent, moveExecution } from '../heartbeat/queue';
import { recordActivity, type Q, type ServiceContext } from '../context';
import type { RunRow } from '../views/dto';
import { loadAgentDto, loadRunDto } from '../views/lookup';
import { HoldTimer, holdOf, placeHold } from './holds';
import { periodEnd, periodStart, spendOf, type Spend } from './spend';
import { USAGE_LIMIT_EVENT, type UsageLimitPayload } from './usage-limits';

export type LimitStop = 'budget_exceeded' | 'rate_limited';

/** What the engine calls; every call is cheap or runs off its path. */
export interface RunLimitsHook {
  begin(run: RunRow): void;
  observe(run: RunRow, events: AdapterEvent[], usage: UsageRecord | null, stop: (reason: LimitStop, detail: string) => void): void;
  settled(run: RunRow): Promise<void>;
  heldWhy(q: Q, agentId: string): Promise<string | null>;
}

type BudgetRow = typeof budgets.$inferSelect;

interface Allowance {
  budget: BudgetRow;
  spent: Spend;
}

interface Watched {
  allowance: Promise<Allowance[]>;
  tripped: boolean;
  /** The hold the trip wrote: awaited before the run is queued again. */
  hold: Promise<void>;
}

export function tokensOf(usage: UsageRecord | null | undefined): number {
  return (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
}

export function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** "$1.20 of $1.00 this month" */
export function describeBudget(b: BudgetRow, usd: number, tokens: number): string {
  const parts: string[] = [];
  if (b.limitUsd !== null) parts.push(`${money(usd)} of ${money(b.limitUsd)}`);
  if (b.limitTokens !== null) parts.push(`${tokens.toLocaleString('en-US')} of ${b.limitTokens.toLocaleString('en-US')} tokens`);
  const scope = b.issueId ? ' on its issue' : '';
  return `${parts.join(', ')}${scope} ${b.period === 'month' ? 'this month' : 'in total'}`;
}

/** The budget the usage crosses (spent before the run plus the run's own), if any. */
export function crossedBudget(allowances: Allowance[], usage: UsageRecord | null): Allowance | null {
  for (const a of allowances) {
    const usd = a.spent.usd + (usage?.costUsd ?? 0);
    const tokens = a.spent.tokens + tokensOf(usage);
    if (a.budget.limitUsd !== null && usd >= a.budget.limitUsd) return a;
    if (a.budget.limitTokens !== null && tokens >= a.budget.limitTokens) return a;
  }
  return null;
}

export interface RunLimitsOptions {
  now?: () => Date;
  /** Wait after a usage limit that said no reset time (default 15 minutes). */
  backoffMs?: number;
}

export class RunLimits implements RunLimitsHook {
  private readonly watched = new Map<string, Watched>();
  readonly timer: HoldTimer;
  private readonly now: () => Date;
  private readonly backoffMs: number;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly scheduler: { pump(): void },
    opts: RunLimitsOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.backoffMs = opts.backoffMs ?? 15 * 60_000;
    this.timer = new HoldTimer(ctx, () => scheduler.pump(), this.now);
  }

  /** The budgets that apply to a run (its agent's, its issue's) with what was spent before it. */
  async allowanceOf(q: Q, run: Pick<RunRow, 'id' | 'agentId' | 'issueId'>, exceptRun = true): Promise<Allowance[]> {
    const scope = run.issueId ? inArray(budgets.issueId, ['', run.issueId]) : eq(budgets.issueId, '');
    const rows = await q.select().from(budgets).where(and(eq(budgets.agentId, run.agentId), scope));
    const now = this.now();
    const out: Allowance[] = [];
    for (const budget of rows) {
      if (budget.limitUsd === null && budget.limitTokens === null) continue;
      const since = periodStart(budget.period as BudgetPeriod, now);
      out.push({ budget, spent: await spendOf(q, run.agentId, budget.issueId || null, since, exceptRun ? run.id : null) });
    }
    return out;
  }

  begin(run: RunRow): void {
    this.watched.set(run.id, { allowance: this.allowanceOf(this.ctx.db, run).catch(() => []), tripped: false, hold: Promise.resolve() });
  }

  observe(run: RunRow, events: AdapterEvent[], usage: UsageRecord | null, stop: (reason: LimitStop, detail: string) => void): void {
    const w = this.watched.get(run.id);
    if (!w || w.tripped) return;
    const limit = events.find((e) => e.type === USAGE_LIMIT_EVENT);
    if (limit) {
      w.tripped = true;
      const payload = limit.payload as UsageLimitPayload;
      const until = payload.resetAt ? new Date(payload.resetAt) : new Date(this.now().getTime() + this.backoffMs);
      const said = payload.resetAt ? 'it resets' : 'no reset time was reported; waiting';
      const detail = `the agent's CLI reported a usage limit${payload.window ? ` (${payload.window})` : ''}: ${said} until ${until.toISOString()}`;
      w.hold = this.holdForWindow(run, until, detail).catch(() => undefined);
      stop('rate_limited', detail);
      return;
    }
    if (!usage || (usage.costUsd === undefined && tokensOf(usage) === 0)) return;
    void w.allowance.then((allowances) => {
      if (w.tripped) return;
      const over = crossedBudget(allowances, usage);
      if (!over) return;
      w.tripped = true;
      const detail = `over budget: ${describeBudget(over.budget, over.spent.usd + (usage.costUsd ?? 0), over.spent.tokens + tokensOf(usage))}`;
      w.hold = this.pauseForBudget(run.agentId, over.budget, detail, run.id).catch(() => undefined);
      stop('budget_exceeded', detail);
    });
  }

  async settled(run: RunRow): Promise<void> {
    const w = this.watched.get(run.id);
    this.watched.delete(run.id);
    await w?.hold;
    if (run.errorCode === 'rate_limited' || run.errorCode === 'budget_exceeded') {
      await this.requeue(run);
    } else if (run.usage && !w?.tripped) {
      // Crossed at its very end (or its agent reports cost only then): the next run is not started.
      const over = crossedBudget(await this.allowanceOf(this.ctx.db, run, false), null);
      if (over) await this.pauseForBudget(run.agentId, over.budget, `over budget: ${describeBudget(over.budget, over.spent.usd, over.spent.tokens)}`, run.id);
    }
    await this.timer.arm().catch(() => undefined);
  }

  async heldWhy(q: Q, agentId: string): Promise<string | null> {
    const hold = await holdOf(q, agentId);
    if (!hold) return null;
    if (hold.kind === 'budget') {
      const when = hold.until ? `; it resumes when its next budget period starts (${hold.until.toISOString()})` : '';
      return `the agent is paused ${hold.reason}${when}: raise its budget to resume it`;
    }
    return `the agent waits for its usage window to reset (${hold.until?.toISOString() ?? 'soon'})`;
  }

  /** Pauses the agent for its budget (until the next period for a monthly one) and tells the person. */
  async pauseForBudget(agentId: string, budget: BudgetRow, detail: string, runId: string | null): Promise<void> {
    const until = periodEnd(budget.period as BudgetPeriod, this.now());
    await this.ctx.db.transaction(async (tx) => {
      await placeHold(tx, { agentId, kind: 'budget', until, reason: detail, runId });
      await recordActivity(tx, this.ctx.workspaceId, { actor: 'system', action: 'agent.budget_exceeded', entityType: 'agent', entityId: agentId, details: { runId, detail } });
    });
    const agent = await loadAgentDto(this.ctx.db, agentId);
    this.ctx.events.emit('agent.updated', agent);
    this.ctx.events.emit('host.notice', {
      level: 'warning',
      message: `Agent ${agent.name} was stopped and paused: ${detail}. Raise its budget (vigil agent update ${agent.name} --budget-usd N) to resume its queue.`,
    });
    await this.timer.arm().catch(() => undefined);
  }

  private async holdForWindow(run: RunRow, until: Date, detail: string): Promise<void> {
    await placeHold(this.ctx.db, { agentId: run.agentId, kind: 'usage_window', until, reason: detail, runId: run.id });
    const agent = await loadAgentDto(this.ctx.db, run.agentId);
    this.ctx.events.emit('agent.updated', agent);
    this.ctx.events.emit('host.notice', { level: 'info', message: `Agent ${agent.name} reached its usage limit; its queue waits until ${until.toISOString()}.` });
    await this.timer.arm();
  }

  /**
   * The stopped run's work, queued again: it starts when the agent may go on (the usage window
   * reset, the budget raised). Not a retry: nothing of the issue's retry budget is spent. Skipped
   * when the run's issue (or the agent, without one) already has a run queued or live.
   */
  private async requeue(run: RunRow): Promise<void> {
    const queued = await this.ctx.db.transaction(async (tx) => {
      await lockAgent(tx, run.agentId);
      const active = await tx
        .select({ id: heartbeatRuns.id })
        .from(heartbeatRuns)
        .where(
          and(
            eq(heartbeatRuns.agentId, run.agentId),
            inArray(heartbeatRuns.status, ['queued', 'starting', 'running']),
            run.issueId ? eq(heartbeatRuns.issueId, run.issueId) : undefined,
          ),
        )
        .limit(1);
      if (active.length > 0) return null;
      const q = await insertQueuedRun(tx, {
        workspaceId: run.workspaceId,
        agentId: run.agentId,
        source: run.invocationSource as InvocationSource,
        triggerDetail: 'system',
        reason: typeof run.contextSnapshot.wakeReason === 'string' ? run.contextSnapshot.wakeReason : run.invocationSource,
        issueId: run.issueId,
        extraContext: { continuesRunId: run.id, continuesBecause: run.errorCode },
      });
      if (run.issueId) await moveExecution(tx, run.issueId, q.id);
      return q;
    });
    if (!queued) return;
    if (this.ctx.events.listens('run.created')) this.ctx.events.emit('run.created', await loadRunDto(this.ctx.db, queued.id));
    this.scheduler.pump();
  }
}
