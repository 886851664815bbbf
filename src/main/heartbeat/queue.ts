// Queueing a run: the one insert every path (wakes, retries, recovery) goes through, the
// run-event append run-state's steps share, and the agent locks.
import { sql } from 'drizzle-orm';
import type { InvocationSource, RetryReason } from '../../shared/domain';
import { jsonbParam } from '../db/storable-text';
import { issues, type ContextSnapshot } from '../db/schema';
import { newId, type Q } from '../context';

export interface QueueRunSpec {
  workspaceId: string;
  agentId: string;
  source: InvocationSource;
  triggerDetail: string;
  reason: string;
  issueId: string | null;
  retryReason?: RetryReason | null;
  retryOfRunId?: string | null;
  processLossRetryCount?: number;
  extraContext?: Record<string, unknown>;
}

/** A run just queued: what its callers need (the row itself is read only where a listener wants it). */
export interface QueuedRun {
  id: string;
  wakeupId: string;
  agentId: string;
  issueId: string | null;
}

/** Inserts a wakeup request and its queued run (callers hold the agent's advisory lock). */
export async function insertQueuedRun(tx: Q, spec: QueueRunSpec): Promise<QueuedRun> {
  const [queued] = await insertQueuedRuns(tx, [spec]);
  return queued;
}

/** The set-based form: one statement however many runs (recovery queues hundreds at once). */
export async function insertQueuedRuns(tx: Q, specs: QueueRunSpec[]): Promise<QueuedRun[]> {
  if (specs.length === 0) return [];
  const planned = specs.map((spec) => {
    // A retry's context carries its original's wake reason (and comment): the prompt keeps them.
    const context: ContextSnapshot = {
      wakeReason: spec.reason,
      ...(spec.extraContext ?? {}),
      ...(spec.issueId ? { issueId: spec.issueId } : {}),
      ...(spec.retryReason ? { retryReason: spec.retryReason } : {}),
    };
    return { spec, context, wakeupId: newId(), runId: newId() };
  });
  // One statement however many runs: the wakeups, the runs, their first event and their activity
  // rows, from one jsonb parameter (a VALUES list would be a parameter per column per row, each
  // built and sent on its own; recovery queues hundreds of retries at once, a wake one run).
  const rows = planned.map(({ spec, context, wakeupId, runId }) => ({
    run_id: runId,
    wakeup_id: wakeupId,
    event_id: newId(),
    activity_id: newId(),
    workspace_id: spec.workspaceId,
    agent_id: spec.agentId,
    source: spec.source,
    trigger_detail: spec.triggerDetail,
    reason: spec.reason,
    issue_id: spec.issueId,
    payload: spec.issueId ? { issueId: spec.issueId } : {},
    context,
    retry_of: spec.retryOfRunId ?? null,
    loss_count: spec.processLossRetryCount ?? 0,
    message: `queued by ${spec.source}: ${spec.reason}`,
    actor: spec.source === 'on_demand' ? 'user' : 'system',
    details: { agentId: spec.agentId, issueId: spec.issueId, reason: spec.reason, retryReason: spec.retryReason ?? null },
  }));
  await tx.execute(sql`
    with v as (
      select * from jsonb_to_recordset(${jsonbParam(rows)}::jsonb) as v(run_id text, wakeup_id text, event_id text, activity_id text,
        workspace_id text, agent_id text, source text, trigger_detail text, reason text, issue_id text, payload jsonb, context jsonb,
        retry_of text, loss_count integer, message text, actor text, details jsonb)
    ), wakeups as (
      insert into agent_wakeup_requests (id, workspace_id, agent_id, source, trigger_detail, reason, payload, status, run_id)
      select wakeup_id, workspace_id, agent_id, source, trigger_detail, reason, payload, 'queued', run_id from v
    ), runs as (
      insert into heartbeat_runs (id, workspace_id, agent_id, status, invocation_source, trigger_detail, wakeup_request_id, issue_id,
        context_snapshot, retry_of_run_id, process_loss_retry_count)
      select run_id, workspace_id, agent_id, 'queued', source, trigger_detail, wakeup_id, issue_id, context, retry_of, loss_count from v
    ), events as (
      insert into heartbeat_run_events (id, run_id, seq, type, message, payload)
      select event_id, run_id, 1, 'queued', message, jsonb_build_object('wakeupId', wakeup_id) from v
    )
    insert into activity_log (id, workspace_id, actor, action, entity_type, entity_id, details)
    select activity_id, workspace_id, actor, 'run.queued', 'run', run_id, details from v`);
  return planned.map(({ spec, runId, wakeupId }) => ({ id: runId, wakeupId, agentId: spec.agentId, issueId: spec.issueId }));
}

export interface RunEventInput {
  runId: string;
  type: string;
  message: string | null;
  payload?: unknown;
}

/**
 * One insert for many events, each numbered after its run's last (one event per run per call):
 * the events travel as one jsonb parameter, however many (recovery appends hundreds at once).
 */
export async function appendRunEvents(q: Q, events: RunEventInput[]): Promise<{ runId: string; seq: number }[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({ id: newId(), run_id: e.runId, type: e.type, message: e.message, payload: e.payload ?? null }));
  const result = await q.execute(sql`
    insert into heartbeat_run_events (id, run_id, seq, type, message, payload)
    select v.id, v.run_id, coalesce((select max(e.seq) from heartbeat_run_events e where e.run_id = v.run_id), 0) + 1, v.type, v.message, v.payload
    from jsonb_to_recordset(${jsonbParam(rows)}::jsonb) as v(id text, run_id text, type text, message text, payload jsonb)
    returning run_id, seq`);
  return ((result as unknown as { rows: { run_id: string; seq: number }[] }).rows ?? []).map((r) => ({ runId: r.run_id, seq: Number(r.seq) }));
}

/** Serializes wakes and recovery decisions for one agent across hosts sharing a server. */
export async function lockAgent(tx: Q, agentId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${agentId}))`);
}

/** Locks several agents at once, in one order, so two hosts locking overlapping sets cannot deadlock. */
export async function lockAgents(tx: Q, agentIds: string[]): Promise<void> {
  const ids = [...new Set(agentIds)].sort();
  if (ids.length === 0) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(a)) from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) with ordinality as t(a, n) order by n`);
}

export async function moveExecution(tx: Q, issueId: string, runId: string | null): Promise<void> {
  await moveExecutions(tx, [{ issueId, runId }]);
}

/** Points each issue's execution slot at a run (or at none), in one statement. */
export async function moveExecutions(tx: Q, moves: { issueId: string; runId: string | null }[]): Promise<void> {
  if (moves.length === 0) return;
  const last = new Map(moves.map((m) => [m.issueId, m.runId]));
  await tx
    .update(issues)
    .set({ executionRunId: sql`v.run_id`, updatedAt: new Date() })
    .from(sql`jsonb_to_recordset(${jsonbParam([...last].map(([issue_id, run_id]) => ({ issue_id, run_id })))}::jsonb) as v(issue_id text, run_id text)`)
    .where(sql`${issues.id} = v.issue_id`);
}
