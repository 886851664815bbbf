// The budget verbs of the contract: budgets.list / budgets.set, and holds.list (who is paused
// over budget or waiting for a usage window). Enforcement lives in src/main/budgets.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { AgentHoldDto, BudgetDto, CallParsedInput } from '../../shared/contract';
import type { BudgetPeriod } from '../../shared/domain';
import { agents, budgets, issues } from '../db/schema';
import { listHolds, liftHold, holdOf } from '../budgets/holds';
import { describeBudget, type RunLimits } from '../budgets/run-limits';
import { periodEnd, periodStart, spendOf } from '../budgets/spend';
import { newId, recordActivity, type ServiceContext } from '../context';
import { loadAgentDto, requireAgent, requireIssue } from '../views/lookup';

type BudgetRow = typeof budgets.$inferSelect;

export function budgetHandlers(ctx: ServiceContext, limits: RunLimits, scheduler: { pump(): void }, now: () => Date = () => new Date()) {
  const dtoOf = async (b: BudgetRow): Promise<BudgetDto> => {
    const [agent] = await ctx.db.select({ name: agents.name }).from(agents).where(eq(agents.id, b.agentId));
    const [issue] = b.issueId ? await ctx.db.select({ identifier: issues.identifier }).from(issues).where(eq(issues.id, b.issueId)) : [];
    const period = b.period as BudgetPeriod;
    const at = now();
    const start = periodStart(period, at);
    const spent = await spendOf(ctx.db, b.agentId, b.issueId || null, start);
    const over = (b.limitUsd !== null && spent.usd >= b.limitUsd) || (b.limitTokens !== null && spent.tokens >= b.limitTokens);
    const end = periodEnd(period, at);
    return {
      agentId: b.agentId,
      agent: agent?.name ?? b.agentId,
      issueId: b.issueId || null,
      issue: issue?.identifier ?? null,
      limitUsd: b.limitUsd,
      limitTokens: b.limitTokens,
      period,
      spentUsd: spent.usd,
      spentTokens: spent.tokens,
      periodStart: start?.toISOString() ?? null,
      periodEnd: end?.toISOString() ?? null,
      over,
    };
  };

  return {
    'budgets.list': async (input: CallParsedInput<'budgets.list'>): Promise<BudgetDto[]> => {
      const agentId = input.agent ? (await requireAgent(ctx.db, ctx.workspaceId, input.agent)).id : null;
      const mine = await ctx.db.select({ id: agents.id }).from(agents).where(eq(agents.workspaceId, ctx.workspaceId));
      const ids = agentId ? [agentId] : mine.map((a) => a.id);
      if (ids.length === 0) return [];
      const rows = await ctx.db.select().from(budgets).where(inArray(budgets.agentId, ids)).orderBy(asc(budgets.agentId), asc(budgets.issueId));
      return Promise.all(rows.map(dtoOf));
    },
    'budgets.set': async (input: CallParsedInput<'budgets.set'>): Promise<BudgetDto> => {
      const agent = await requireAgent(ctx.db, ctx.workspaceId, input.agent);
      const issueId = input.issue ? (await requireIssue(ctx.db, input.issue)).id : '';
      const [existing] = await ctx.db.select().from(budgets).where(and(eq(budgets.agentId, agent.id), eq(budgets.issueId, issueId)));
      const values = {
        limitUsd: input.usd !== undefined ? input.usd : (existing?.limitUsd ?? null),
        limitTokens: input.tokens !== undefined ? input.tokens : (existing?.limitTokens ?? null),
        period: input.period ?? existing?.period ?? 'month',
        updatedAt: new Date(),
      };
      const [row] = await ctx.db
        .insert(budgets)
        .values({ id: newId(), agentId: agent.id, issueId, ...values })
        .onConflictDoUpdate({ target: [budgets.agentId, budgets.issueId], set: values })
        .returning();
      await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'agent.budget_set', entityType: 'agent', entityId: agent.id, details: { issueId: issueId || null, ...values } });
      const dto = await dtoOf(row);
      // Every budget of the agent is looked at: only when none is crossed may a budget pause end.
      const all = await limits.allowanceOf(ctx.db, { id: '', agentId: agent.id, issueId: null }, false);
      const crossed = all.find((a) => (a.budget.limitUsd !== null && a.spent.usd >= a.budget.limitUsd) || (a.budget.limitTokens !== null && a.spent.tokens >= a.budget.limitTokens));
      const hold = await holdOf(ctx.db, agent.id);
      if (crossed) {
        // Set below what was already spent: the agent is paused now rather than at its next run's first report.
        if (hold?.kind !== 'budget') await limits.pauseForBudget(agent.id, crossed.budget, `over budget: ${describeBudget(crossed.budget, crossed.spent.usd, crossed.spent.tokens)}`, null);
      } else if (hold?.kind === 'budget' && (await liftHold(ctx.db, agent.id, 'budget'))) {
        // Raised: the agent resumes and its queue (the stopped run queued again) starts.
        await recordActivity(ctx.db, ctx.workspaceId, { actor: 'user', action: 'agent.resumed', entityType: 'agent', entityId: agent.id, details: { why: 'budget raised' } });
        ctx.events.emit('agent.updated', await loadAgentDto(ctx.db, agent.id));
        await limits.timer.arm().catch(() => undefined);
        scheduler.pump();
      }
      return dto;
    },
    'holds.list': async (): Promise<AgentHoldDto[]> =>
      (await listHolds(ctx.db)).map((h) => ({ agentId: h.agentId, kind: h.kind, until: h.until?.toISOString() ?? null, reason: h.reason })),
  };
}
