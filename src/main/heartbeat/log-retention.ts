// Log retention after each run: the newest logs per agent are kept within a count and a size.
// Only logs this machine wrote: another machine's are in its own data folder (team mode).
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { heartbeatRuns } from '../db/schema';
import { selectLogsToPrune } from '../../node/logs/retention';
import type { RunLogStore } from '../../node/logs/run-log';
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
  } catch {
    // Retention is housekeeping: a failure here must never affect runs.
  }
}
