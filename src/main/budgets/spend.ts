// What an agent (or one of its issues) spent in a budget's period: one aggregate query over the
// recorded runs, so in team mode every machine's runs count (they share the database).
import { sql } from 'drizzle-orm';
import type { BudgetPeriod } from '../../shared/domain';
import type { Q } from '../context';

export interface Spend {
  usd: number;
  tokens: number;
}

/** The start of the budget's period (calendar month in UTC), or null for a total budget. */
export function periodStart(period: BudgetPeriod, now: Date): Date | null {
  if (period === 'total') return null;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** When the period ends and the spend starts again from zero, or null (a total budget never does). */
export function periodEnd(period: BudgetPeriod, now: Date): Date | null {
  if (period === 'total') return null;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** Tokens a budget counts: all the input the model saw plus its output. */
export const TOKENS_SQL = sql`coalesce((r.usage->>'inputTokens')::bigint, 0) + coalesce((r.usage->>'outputTokens')::bigint, 0)`;

/**
 * Recorded spend of an agent's runs (only those on `issueId` when given) since `since`, the run
 * `exceptRunId` left out (a live run counts its own usage as it goes).
 */
export async function spendOf(q: Q, agentId: string, issueId: string | null, since: Date | null, exceptRunId: string | null = null): Promise<Spend> {
  const rows = (await q.execute(sql`
    select coalesce(sum((r.usage->>'costUsd')::numeric), 0)::float8 as usd, coalesce(sum(${TOKENS_SQL}), 0)::float8 as tokens
    from heartbeat_runs r
    where r.agent_id = ${agentId} and r.usage is not null
      ${issueId ? sql`and r.issue_id = ${issueId}` : sql``}
      ${since ? sql`and r.created_at >= ${since.toISOString()}::timestamptz` : sql``}
      ${exceptRunId ? sql`and r.id <> ${exceptRunId}` : sql``}`)) as unknown as { rows: { usd: number; tokens: number }[] };
  const row = rows.rows[0];
  return { usd: Number(row?.usd ?? 0), tokens: Number(row?.tokens ?? 0) };
}
