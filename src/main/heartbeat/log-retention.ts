// Log retention after each run: the newest logs per agent are kept within a count and a size.
// Only logs this machine wrote: another machine's are in its own data folder (team mode).
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { heartbeatRuns } from '../db/schema';
import { selectLogsToPrune } from '../../node/logs/retention';
import type { RunLogStore } from '../../node/logs/run-log';
import { hostLog } from '../host-log';
import { markLogPruned, TERMINAL_STATUSES } from './run-state';

export async function applyLogRetention(
  db: Db,
  logs: RunLogStore,
  agentId: string,
  machineId: string,
  limits: { maxRunsPerAgent: number; maxBytesPerAgent: number },
): Promise<void> {
  try {
    const rows = await db
      .select({ id: heartbeatRuns.id, bytes: heartbeatRuns.logBytes })
      .from(heartbeatRuns)
      .where(
        and(
          eq(heartbeatRuns.agentId, agentId),
          eq(heartbeatRuns.hostId, machineId),
          inArray(heartbeatRuns.status, TERMINAL_STATUSES),
          eq(heartbeatRuns.logPruned, false),
        ),
      )
      .orderBy(desc(heartbeatRuns.createdAt))
      .limit(10_000);
    const prune = selectLogsToPrune(rows, { maxRuns: limits.maxRunsPerAgent, maxBytes: limits.maxBytesPerAgent });
    for (const id of prune) {
      await logs.remove(id);
      await markLogPruned(db, id);
    }
  } catch (err) {
    // Retention is housekeeping: a failure here must never affect runs (the next end tries again).
    hostLog('warn', 'retention', `pruning the logs of agent ${agentId}`, err);
  }
}

/** How long after a run's end its agent's logs are pruned. */
const RETENTION_DELAY_MS = 2000;

/**
 * Log retention for an agent, a little after its run ended: one pass for the runs that end
 * close together, and not on the path where the next wake of the agent waits for the database.
 */
export class RetentionTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    private readonly logs: RunLogStore,
    private readonly machineId: string,
    private readonly limits: { maxRunsPerAgent: number; maxBytesPerAgent: number },
  ) {}

  schedule(agentId: string): void {
    if (this.timers.has(agentId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(agentId);
      void applyLogRetention(this.db, this.logs, agentId, this.machineId, this.limits);
    }, RETENTION_DELAY_MS);
    timer.unref();
    this.timers.set(agentId, timer);
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
