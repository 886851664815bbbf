// Queueing a run: the one insert every path (wakes, retries, recovery) goes through, and the
// run-event append every writer shares.
import { sql } from 'drizzle-orm';
import type { InvocationSource, RetryReason } from '../../shared/domain';
import { jsonbParam } from '../db/storable-text';
import { agentWakeupRequests, heartbeatRuns, issues, type ContextSnapshot } from '../db/schema';
import { newId, recordActivities, type Q } from '../services/context';
import type { RunRow } from '../services/dto';

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

/** Inserts a wakeup request and its queued run (callers hold the agent's advisory lock). */
export async function insertQueuedRun(tx: Q, spec: QueueRunSpec): Promise<{ run: RunRow; wakeupId: string }> {
  const [queued] = await insertQueuedRuns(tx, [spec]);
  return queued;
}

/** The set-based form: four statements however many runs (recovery queues hundreds at once). */
export async function insertQueuedRuns(tx: Q, specs: QueueRunSpec[]): Promise<{ run: RunRow; wakeupId: string }[]> {
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
  await tx.insert(agentWakeupRequests).values(
    planned.map(({ spec, wakeupId, runId }) => ({
      id: wakeupId,
      workspaceId: spec.workspaceId,
      agentId: spec.agentId,
      source: spec.source,
      triggerDetail: spec.triggerDetail,
      reason: spec.reason,
      payload: spec.issueId ? { issueId: spec.issueId } : {},
      status: 'queued',
      runId,
    })),
  );
  const rows = await tx
    .insert(heartbeatRuns)
    .values(
      planned.map(({ spec, context, wakeupId, runId }) => ({
        id: runId,
        workspaceId: spec.workspaceId,
        agentId: spec.agentId,
        status: 'queued',
        invocationSource: spec.source,
        triggerDetail: spec.triggerDetail,
        wakeupRequestId: wakeupId,
        issueId: spec.issueId,
        contextSnapshot: context,
        retryOfRunId: spec.retryOfRunId ?? null,
        processLossRetryCount: spec.processLossRetryCount ?? 0,
      })),
    )
    .returning();
  const byId = new Map(rows.map((r) => [r.id, r]));
  await appendRunEvents(
    tx,
    planned.map(({ spec, runId, wakeupId }) => ({ runId, type: 'queued', message: `queued by ${spec.source}: ${spec.reason}`, payload: { wakeupId } })),
  );
  await recordActivities(
    tx,
    planned.map(({ spec, runId }) => ({
      workspaceId: spec.workspaceId,
      actor: spec.source === 'on_demand' ? 'user' : 'system',
      action: 'run.queued',
      entityType: 'run',
      entityId: runId,
      details: { agentId: spec.agentId, issueId: spec.issueId, reason: spec.reason, retryReason: spec.retryReason ?? null },
    })),
  );
  return planned.map(({ runId, wakeupId }) => ({ run: byId.get(runId)!, wakeupId }));
}

export interface RunEventInput {
  runId: string;
  type: string;
  message: string | null;
  payload?: unknown;
}

/** Appends one event to a run and returns the sequence number it got. */
export async function appendRunEvent(q: Q, runId: string, type: string, message: string | null, payload?: unknown): Promise<number> {
  const [{ seq }] = await appendRunEvents(q, [{ runId, type, message, payload }]);
  return seq;
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
