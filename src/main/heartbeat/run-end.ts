// What a run's end writes besides the run row, inside the end's transaction (run-state.ts
// endRuns): the agent's runtime totals and sessions, the issue handed back, and the follow-up
// run for input that arrived while the run was live.
import { inArray, sql } from 'drizzle-orm';
import { issueComments, issues, type PendingInput, type UsageRecord } from '../db/schema';
import { jsonbParam, storableText } from '../db/storable-text';
import { newId, type Tx } from '../context';
import type { CommentRow, RunRow } from '../views/dto';
import type { RunErrorCode, RunStatus } from '../../shared/domain';
import { insertQueuedRuns, moveExecutions, type QueuedRun } from './queue';

/** How a run ended; the optional parts keep what the run row already holds when absent. */
export interface RunOutcome {
  status: RunStatus;
  errorCode: RunErrorCode | null;
  error: string | null;
  exitCode: number | null;
  signal: string | null;
  logBytes?: number;
  logSha256?: string | null;
  lastOutputLine?: string | null;
  sessionId?: string | null;
  /** The CLI said it does not know the session it was asked to resume: the issue's session is forgotten. */
  sessionUnknown?: boolean;
  usage?: UsageRecord | null;
  /** The caller queues the run that continues this one (recovery's retry), pending input included. */
  continuedByCaller?: boolean;
}

/** Run counts, usage, the last run and the per-issue sessions: one statement for every agent the ended runs belong to. */
export async function updateRuntime(tx: Tx, ended: { row: RunRow; f: RunOutcome }[], now: Date): Promise<void> {
  const perAgent = new Map<string, { last: RunRow; runs: number; failed: number; input: number; output: number; cost: number; sessions: Record<string, string>; forget: string[] }>();
  for (const { row, f } of ended) {
    const a = perAgent.get(row.agentId) ?? { last: row, runs: 0, failed: 0, input: 0, output: 0, cost: 0, sessions: {}, forget: [] };
    a.last = row;
    a.runs++;
    if (row.status === 'failed' || row.status === 'timed_out') a.failed++;
    a.input += f.usage?.inputTokens ?? 0;
    a.output += f.usage?.outputTokens ?? 0;
    a.cost += f.usage?.costUsd ?? 0;
    // A session is forgotten only when the CLI said it does not know it; a run that was lost or
    // failed otherwise keeps the issue's session, so the next run resumes the same conversation.
    if (row.issueId && f.sessionUnknown) a.forget.push(row.issueId);
    else if (row.issueId && f.sessionId) a.sessions[row.issueId] = storableText(f.sessionId);
    perAgent.set(row.agentId, a);
  }
  // One upsert for every agent, in agent id order (two hosts ending runs of the same agents lock alike).
  const values = [...perAgent]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([agentId, a]) => ({
      agent_id: agentId,
      last_run_id: a.last.id,
      last_run_status: a.last.status,
      runs: a.runs,
      failed: a.failed,
      input: a.input,
      output: a.output,
      cost: a.cost,
      sessions: a.sessions,
      forget: a.forget,
    }));
  const at = now.toISOString();
  await tx.execute(sql`
    with v as (
      select * from jsonb_to_recordset(${jsonbParam(values)}::jsonb) as v(agent_id text, last_run_id text, last_run_status text,
        runs integer, failed integer, input bigint, output bigint, cost numeric, sessions jsonb, forget jsonb)
    )
    insert into agent_runtime_state as s (agent_id, last_heartbeat_at, last_run_id, last_run_status, total_runs, failed_runs,
      total_input_tokens, total_output_tokens, total_cost_usd, sessions, updated_at)
    select v.agent_id, ${at}::timestamptz, v.last_run_id, v.last_run_status, v.runs, v.failed, v.input, v.output, to_jsonb(v.cost), v.sessions, ${at}::timestamptz
    from v
    on conflict (agent_id) do update set
      last_heartbeat_at = excluded.last_heartbeat_at,
      last_run_id = excluded.last_run_id,
      last_run_status = excluded.last_run_status,
      total_runs = s.total_runs + excluded.total_runs,
      failed_runs = s.failed_runs + excluded.failed_runs,
      total_input_tokens = s.total_input_tokens + excluded.total_input_tokens,
      total_output_tokens = s.total_output_tokens + excluded.total_output_tokens,
      total_cost_usd = to_jsonb(coalesce((s.total_cost_usd)::text::numeric, 0) + (excluded.total_cost_usd)::text::numeric),
      sessions = (s.sessions - array(select jsonb_array_elements_text(f.forget) from v f where f.agent_id = excluded.agent_id)) || excluded.sessions,
      updated_at = excluded.updated_at`);
}

/**
 * What a run's end means for its issue. The execution slot is released; a success that left
 * the issue in progress goes to review (work to look at, not work to redo); a user's cancel
 * puts it back to todo. Failures stay in progress for recovery's continuation logic. A run
 * whose follow-up is queued keeps the issue where it is: the follow-up continues it.
 */
export async function handBackIssues(tx: Tx, rows: RunRow[], followedUp: Set<string>, now: Date): Promise<CommentRow[]> {
  const withIssue = rows.filter((r) => r.issueId);
  if (withIssue.length === 0) return [];
  const current = new Map(
    (await tx
      .select({ id: issues.id, status: issues.status })
      .from(issues)
      .where(inArray(issues.id, [...new Set(withIssue.map((r) => r.issueId!))]))).map((i) => [i.id, i]),
  );
  const toReview = new Map<string, RunRow>();
  const toTodo = new Set<string>();
  for (const row of withIssue) {
    const issue = current.get(row.issueId!);
    if (issue?.status !== 'in_progress' || toReview.has(issue.id) || toTodo.has(issue.id) || followedUp.has(row.id)) continue;
    if (row.status === 'succeeded') toReview.set(issue.id, row);
    else if (row.status === 'cancelled' && (row.errorCode === 'cancelled' || row.errorCode === 'abandoned')) toTodo.add(issue.id);
  }
  const ids = [...current.keys()];
  if (ids.length === 0) return [];
  await tx
    .update(issues)
    .set({
      executionRunId: sql`case when ${issues.executionRunId} = any(array(select jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::jsonb))) then null else ${issues.executionRunId} end`,
      status: sql`case when ${issues.id} = any(array(select jsonb_array_elements_text(${JSON.stringify([...toReview.keys()])}::jsonb))) then 'in_review'
        when ${issues.id} = any(array(select jsonb_array_elements_text(${JSON.stringify([...toTodo])}::jsonb))) then 'todo' else ${issues.status} end`,
      updatedAt: now,
    })
    .where(inArray(issues.id, ids));
  if (toReview.size === 0) return [];
  return tx
    .insert(issueComments)
    .values(
      [...toReview].map(([issueId, row]) => ({
        id: newId(),
        issueId,
        authorType: 'system',
        runId: row.id,
        body: `Run ${row.id.slice(0, 8)} finished successfully without updating this issue; moved to in review for a look.`,
      })),
    )
    .returning();
}

/** Whether an ended run's pending input gets its follow-up run (a person's cancel means stop). */
export function wantsFollowUp(row: RunRow, f: RunOutcome): boolean {
  return row.pendingInput.length > 0 && !f.continuedByCaller && !(row.status === 'cancelled' && (row.errorCode === 'cancelled' || row.errorCode === 'abandoned'));
}

/**
 * One follow-up run per ended run that had input arrive while it was live (several wakes
 * coalesced into one): it carries them, so its prompt can show what came in.
 */
export async function queueFollowUps(tx: Tx, rows: RunRow[]): Promise<QueuedRun[]> {
  if (rows.length === 0) return [];
  const queued = await insertQueuedRuns(
    tx,
    rows.map((row) => {
      const inputs: PendingInput[] = row.pendingInput;
      const latest = inputs[inputs.length - 1];
      return {
        workspaceId: row.workspaceId,
        agentId: row.agentId,
        source: latest.source as Parameters<typeof insertQueuedRuns>[1][number]['source'],
        triggerDetail: 'system',
        reason: latest.reason,
        issueId: row.issueId,
        extraContext: { pendingInput: inputs, followUpOfRunId: row.id },
      };
    }),
  );
  await moveExecutions(tx, queued.filter((run) => run.issueId).map((run) => ({ issueId: run.issueId!, runId: run.id })));
  return queued;
}
