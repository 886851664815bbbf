// Budgets, usage-window holds and routines (docs/budgets-and-routines.md). Part of the schema:
// exported again by schema.ts.
import { bigint, boolean, doublePrecision, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { belongsTo, created, idKey, stamps, ts } from './schema-columns';
import { agents } from './schema';

/** BUDGET_PERIODS in src/shared/domain.ts: 'month' (calendar month, UTC) or 'total'. */
export const budgets = pgTable(
  'budgets',
  {
    id: idKey(),
    agentId: belongsTo('agent_id', () => agents.id),
    /** '' for the agent's own budget, else the issue this budget is for (the agent's runs on it). */
    issueId: text('issue_id').notNull().default(''),
    limitUsd: doublePrecision('limit_usd'),
    limitTokens: bigint('limit_tokens', { mode: 'number' }),
    period: text('period').notNull().default('month'),
    ...stamps(),
  },
  (t) => [uniqueIndex('budgets_agent_issue_uq').on(t.agentId, t.issueId)],
);

/**
 * Why an agent is held back, and until when: 'budget' (over its budget: the agent is paused; until
 * the next period, or null for a total budget) or 'usage_window' (its CLI reported a usage or rate
 * limit: its queue waits until `until`, the scheduler skips it meanwhile).
 */
export const agentHolds = pgTable('agent_holds', {
  agentId: text('agent_id')
    .primaryKey()
    .references(() => agents.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(),
  until: ts('until'),
  reason: text('reason').notNull(),
  runId: text('run_id'),
  createdAt: created(),
});

/** A schedule that creates an issue for its agent at each due time (cron in a time zone). */
export const routines = pgTable(
  'routines',
  {
    id: idKey(),
    workspaceId: text('workspace_id').notNull(),
    agentId: belongsTo('agent_id', () => agents.id),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** The next due time; firing moves it on in one conditional update (exactly once per due time). */
    nextDueAt: ts('next_due_at'),
    lastFiredAt: ts('last_fired_at'),
    lastIssueId: text('last_issue_id'),
    ...stamps(),
  },
  (t) => [index('routines_due_idx').on(t.nextDueAt)],
);
