// Wakes become queued runs, or coalesce: into the agent's queued run for the same issue, or as
// pending input of its live run (read by the one follow-up its end queues). A wake that starts
// nothing is recorded too, with what became of it.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { WakeResultDto } from '../../shared/contract';
import type { InvocationSource, RetryReason } from '../../shared/domain';
import { notFound } from '../../shared/errors';
import { newId, type Tx } from '../context';
import type { Db } from '../db/client';
import { agentWakeupRequests, agents, heartbeatRuns, type PendingInput } from '../db/schema';
import type { AgentRow, RunRow } from '../views/dto';
import { insertQueuedRun, lockAgent, moveExecution } from './queue';
import { addPendingInput, LIVE_STATUSES } from './run-state';
import type { RunLimitsHook } from '../budgets/run-limits';

export interface WakeInput {
  source: InvocationSource;
  reason: string;
  triggerDetail?: string;
  issueId?: string | null;
  /** The comment that caused the wake: kept with the run (and its retries) for the prompt. */
  commentId?: string | null;
  retryReason?: RetryReason | null;
  retryOfRunId?: string | null;
  processLossRetryCount?: number;
}

/** Wakes that bring something for the agent to read; a timer or automation wake during a run adds nothing. */
const INPUT_SOURCES: InvocationSource[] = ['on_demand', 'assignment'];

/**
 * Records the wake under the agent's lock: a queued run, a coalesced wake, or a skipped one
 * (agent paused). With it, the agent as read under the lock (the caller's run.created needs it).
 */
export async function recordWake(db: Db, agentId: string, input: WakeInput, limits?: Pick<RunLimitsHook, 'heldWhy'>): Promise<{ result: WakeResultDto; agent: AgentRow }> {
  return db.transaction(async (tx) => {
    await lockAgent(tx, agentId);
    const [agent] = await tx.select().from(agents).where(eq(agents.id, agentId));
    if (!agent) throw notFound('agent', agentId);
    return { result: await wakeAgent(tx, agent, input, limits), agent };
  });
}

/** The wake of an agent read under its lock: what becomes of it, recorded in the same transaction. */
async function wakeAgent(tx: Tx, agent: AgentRow, input: WakeInput, limits?: Pick<RunLimitsHook, 'heldWhy'>): Promise<WakeResultDto> {
  const agentId = agent.id;
  const issueId = input.issueId ?? null;
  const detail = input.triggerDetail ?? (input.source === 'on_demand' ? 'user' : 'system');
  const recordSettledWake = async (status: 'skipped' | 'coalesced', extra: { error?: string; runId?: string }) => {
    const id = newId();
    await tx.insert(agentWakeupRequests).values({
      id,
      workspaceId: agent.workspaceId,
      agentId,
      source: input.source,
      triggerDetail: detail,
      reason: input.reason,
      payload: { ...(issueId ? { issueId } : {}), ...(input.commentId ? { commentId: input.commentId } : {}) },
      status,
      finishedAt: new Date(),
      ...extra,
    });
    return id;
  };
  if (agent.status === 'paused') {
    const id = await recordSettledWake('skipped', { error: 'agent is paused' });
    const held = await limits?.heldWhy(tx, agentId);
    return { wakeupId: id, status: 'skipped' as const, runId: null, reason: held ? `agent ${agent.name}: ${held}` : `agent ${agent.name} is paused` };
  }
  // Twice at most: a live run whose end commits while we look has become a queued follow-up or nothing.
  for (let attempt = 0; attempt < 2; attempt++) {
    const active = await activeRunOf(tx, agentId, issueId);
    if (!active) break;
    if (active.status !== 'queued' && INPUT_SOURCES.includes(input.source)) {
      const pending: PendingInput = { source: input.source, reason: input.reason, at: new Date().toISOString(), ...(input.commentId ? { commentId: input.commentId } : {}) };
      if (!(await addPendingInput(tx, active.id, pending))) continue;
    }
    const id = await recordSettledWake('coalesced', { runId: active.id });
    if (active.wakeupRequestId) {
      await tx
        .update(agentWakeupRequests)
        .set({ coalescedCount: sql`${agentWakeupRequests.coalescedCount} + 1`, updatedAt: new Date() })
        .where(eq(agentWakeupRequests.id, active.wakeupRequestId));
    }
    const how = active.status === 'queued' ? 'coalesced into queued' : `kept for a follow-up of ${active.status}`;
    return { wakeupId: id, status: 'coalesced' as const, runId: active.id, reason: `${how} run ${active.id}` };
  }
  const run = await insertQueuedRun(tx, {
    workspaceId: agent.workspaceId,
    agentId,
    source: input.source,
    triggerDetail: detail,
    reason: input.reason,
    issueId,
    retryReason: input.retryReason ?? null,
    retryOfRunId: input.retryOfRunId ?? null,
    processLossRetryCount: input.processLossRetryCount ?? 0,
    extraContext: input.commentId ? { commentId: input.commentId } : undefined,
  });
  if (issueId && input.retryOfRunId) await moveExecution(tx, issueId, run.id);
  return { wakeupId: run.wakeupId, status: 'queued' as const, runId: run.id, reason: null };
}

/**
 * The agent's active run for this issue (or for no issue): a queued one first, it will read the
 * new input anyway. Only what a wake needs of it: every wake reads this on its way to a start.
 */
async function activeRunOf(tx: Tx, agentId: string, issueId: string | null): Promise<Pick<RunRow, 'id' | 'status' | 'wakeupRequestId'> | undefined> {
  const [active] = await tx
    .select({ id: heartbeatRuns.id, status: heartbeatRuns.status, wakeupRequestId: heartbeatRuns.wakeupRequestId })
    .from(heartbeatRuns)
    .where(
      and(
        eq(heartbeatRuns.agentId, agentId),
        inArray(heartbeatRuns.status, ['queued', ...LIVE_STATUSES]),
        issueId ? eq(heartbeatRuns.issueId, issueId) : isNull(heartbeatRuns.issueId),
      ),
    )
    .orderBy(sql`case when ${heartbeatRuns.status} = 'queued' then 0 else 1 end`, asc(heartbeatRuns.createdAt))
    .limit(1);
  return active;
}
