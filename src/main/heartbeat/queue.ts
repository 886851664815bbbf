// Queueing a run: the one insert every path (wakes, retries, recovery) goes through, and the
// run-event append every writer shares.
import { eq, sql } from 'drizzle-orm';
import type { InvocationSource, RetryReason } from '../../shared/domain';
import { agentWakeupRequests, heartbeatRunEvents, heartbeatRuns, issues, type ContextSnapshot } from '../db/schema';
import { newId, recordActivity, type Q } from '../services/context';
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
  const wakeupId = newId();
  const runId = newId();
  const context: ContextSnapshot = {
    ...(spec.extraContext ?? {}),
    ...(spec.issueId ? { issueId: spec.issueId } : {}),
    wakeReason: spec.reason,
    ...(spec.retryReason ? { retryReason: spec.retryReason } : {}),
  };
  await tx.insert(agentWakeupRequests).values({
    id: wakeupId,
    workspaceId: spec.workspaceId,
    agentId: spec.agentId,
    source: spec.source,
    triggerDetail: spec.triggerDetail,
    reason: spec.reason,
    payload: spec.issueId ? { issueId: spec.issueId } : {},
    status: 'queued',
    runId,
  });
  const [run] = await tx
    .insert(heartbeatRuns)
    .values({
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
    })
    .returning();
  await appendRunEvent(tx, runId, 'queued', `queued by ${spec.source}: ${spec.reason}`, { wakeupId });
  await recordActivity(tx, spec.workspaceId, {
    actor: spec.source === 'on_demand' ? 'user' : 'system',
    action: 'run.queued',
    entityType: 'run',
    entityId: runId,
    details: { agentId: spec.agentId, issueId: spec.issueId, reason: spec.reason, retryReason: spec.retryReason ?? null },
  });
  return { run, wakeupId };
}

export async function appendRunEvent(q: Q, runId: string, type: string, message: string | null, payload?: unknown): Promise<void> {
  await q.insert(heartbeatRunEvents).values({
    id: newId(),
    runId,
    seq: sql`(select coalesce(max(seq), 0) + 1 from heartbeat_run_events where run_id = ${runId})`,
    type,
    message,
    payload: payload ?? null,
  });
}

/** Serializes wakes and recovery decisions for one agent across hosts sharing a server. */
export async function lockAgent(tx: Q, agentId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${agentId}))`);
}

export async function moveExecution(tx: Q, issueId: string, runId: string | null): Promise<void> {
  await tx.update(issues).set({ executionRunId: runId, updatedAt: new Date() }).where(eq(issues.id, issueId));
}
