// The Insights page's numbers: one aggregate query per chart, over the recorded runs of the
// workspace's agents (every machine's, in team mode). Days are UTC days, oldest first.
import { sql } from 'drizzle-orm';
import type { AgentTotalsDto, DailySeriesDto } from '../../shared/contract';
import type { Q } from '../context';

const DAY_MS = 86_400_000;

/** The window's days as YYYY-MM-DD, today included, and the instant the first one starts. */
export function dayGrid(days: number, now: Date): { days: string[]; since: Date } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = new Date(today - (days - 1) * DAY_MS);
  return { since, days: Array.from({ length: days }, (_, i) => new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10)) };
}

type Cell = { day: string; name: string; v: number };

function toSeries(grid: string[], cells: Cell[], order?: string[]): DailySeriesDto {
  const index = new Map(grid.map((d, i) => [d, i]));
  const byName = new Map<string, number[]>();
  for (const name of order ?? []) byName.set(name, grid.map(() => 0));
  for (const c of cells) {
    const i = index.get(c.day);
    if (i === undefined) continue;
    const values = byName.get(c.name) ?? grid.map(() => 0);
    values[i] += Number(c.v);
    byName.set(c.name, values);
  }
  return { days: grid, series: [...byName].map(([name, values]) => ({ name, values })) };
}

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows ?? [];

/** Cost (USD) per day per agent. */
export async function costPerDay(q: Q, workspaceId: string, days: number, now: Date): Promise<DailySeriesDto> {
  const grid = dayGrid(days, now);
  const cells = rowsOf<Cell>(
    await q.execute(sql`
      select to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, a.name as name,
        coalesce(sum((r.usage->>'costUsd')::numeric), 0)::float8 as v
      from heartbeat_runs r join agents a on a.id = r.agent_id
      where a.workspace_id = ${workspaceId} and r.created_at >= ${grid.since.toISOString()}::timestamptz
      group by 1, 2 order by 2`),
  );
  return toSeries(grid.days, cells);
}

export const OUTCOMES = ['succeeded', 'failed', 'timed_out', 'cancelled'] as const;

/** Ended runs per day by outcome. */
export async function runsPerDay(q: Q, workspaceId: string, days: number, now: Date): Promise<DailySeriesDto> {
  const grid = dayGrid(days, now);
  const cells = rowsOf<Cell>(
    await q.execute(sql`
      select to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, r.status as name, count(*)::int as v
      from heartbeat_runs r join agents a on a.id = r.agent_id
      where a.workspace_id = ${workspaceId} and r.created_at >= ${grid.since.toISOString()}::timestamptz
        and r.status in ('succeeded', 'failed', 'timed_out', 'cancelled')
      group by 1, 2`),
  );
  return toSeries(grid.days, cells, [...OUTCOMES]);
}

/** Tokens, cost, runs and median run time (seconds, ended runs) per agent. */
export async function agentTotals(q: Q, workspaceId: string, days: number, now: Date): Promise<AgentTotalsDto> {
  const { since } = dayGrid(days, now);
  const rows = rowsOf<{ agent: string; input: number; output: number; cost: number; runs: number; median: number | null }>(
    await q.execute(sql`
      select a.name as agent,
        coalesce(sum((r.usage->>'inputTokens')::bigint), 0)::float8 as input,
        coalesce(sum((r.usage->>'outputTokens')::bigint), 0)::float8 as output,
        coalesce(sum((r.usage->>'costUsd')::numeric), 0)::float8 as cost,
        count(r.id)::int as runs,
        (percentile_cont(0.5) within group (order by extract(epoch from r.finished_at - r.started_at)))::float8 as median
      from heartbeat_runs r join agents a on a.id = r.agent_id
      where a.workspace_id = ${workspaceId} and r.created_at >= ${since.toISOString()}::timestamptz
      group by a.name order by a.name`),
  );
  return rows.map((r) => ({
    agent: r.agent,
    inputTokens: Number(r.input),
    outputTokens: Number(r.output),
    costUsd: Number(r.cost),
    runs: Number(r.runs),
    medianRunSec: r.median === null ? null : Number(r.median),
  }));
}
