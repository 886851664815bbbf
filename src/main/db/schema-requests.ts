// Permission requests and questions a live run's agent puts to a person, and the rules "Allow
// always" leaves on an agent (docs/reach.md). Part of the schema: exported again by schema.ts.
import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { belongsTo, created, idKey, ts } from './schema-columns';
import { agents, heartbeatRuns } from './schema';

/** What a person answered to a run's request (issue 21: requests as stored state). */
export interface RequestAnswer {
  /** allow | allow_always | deny | answer (a question's option or free text) | expired */
  decision: string;
  /** Deny: the message the agent reads. Expired: why. */
  message?: string;
  /** A question's answer: the chosen option's label or the free text. */
  text?: string;
}

/**
 * A permission request or a question a live run's agent put to a person. The agent waits (its
 * `vigil mcp` holds the id) until the row leaves `pending`: answered, or expired at expiresAt.
 */
export const runRequests = pgTable(
  'run_requests',
  {
    id: idKey(),
    workspaceId: text('workspace_id').notNull(),
    runId: belongsTo('run_id', () => heartbeatRuns.id),
    agentId: text('agent_id').notNull(),
    issueId: text('issue_id'),
    /** permission | question */
    kind: text('kind').notNull(),
    /** The tool asking (Bash, Edit, AskUserQuestion...); null for a plain question. */
    tool: text('tool'),
    toolUseId: text('tool_use_id'),
    /** The tool's input as the agent sent it (the command, the file and diff, the question and options). */
    input: jsonb('input').$type<Record<string, unknown>>().notNull(),
    /** pending | allowed | denied | answered | expired */
    status: text('status').notNull().default('pending'),
    answer: jsonb('answer').$type<RequestAnswer>(),
    /** user | cli | rule | timeout | run_ended */
    answeredBy: text('answered_by'),
    createdAt: created(),
    answeredAt: ts('answered_at'),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('run_requests_status_idx').on(t.status, t.createdAt), index('run_requests_run_idx').on(t.runId)],
);

/** "Allow always" answers: a tool (and for Bash one exact command) an agent may use without asking. */
export const agentPermissionRules = pgTable(
  'agent_permission_rules',
  {
    id: idKey(),
    agentId: belongsTo('agent_id', () => agents.id),
    tool: text('tool').notNull(),
    /** Bash: the exact command allowed; null: every use of the tool. */
    command: text('command'),
    /** The request whose answer made the rule. */
    fromRequestId: text('from_request_id'),
    createdAt: created(),
  },
  (t) => [index('agent_permission_rules_agent_idx').on(t.agentId)],
);
