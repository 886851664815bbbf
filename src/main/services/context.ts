// What every service shares: the database, the event bus, this host's identity, the clock.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import { activityLog } from '../db/schema';
import type { EventBus } from '../event-bus';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** A database handle or an open transaction: queries run the same on both. */
export type Q = Db | Tx;

export interface ServiceContext {
  db: Db;
  events: EventBus;
  /** This machine's process table (runs recorded by another machine are never judged here). */
  hostId: string;
  /** This host process (heartbeat/host-instance.ts): the owner recorded on the runs it claims. */
  hostInstanceId: string;
  dataDir: string;
  workspaceId: string;
}

export const newId = () => randomUUID();

export interface ActivityInput {
  actor: string;
  action: string;
  entityType: 'run' | 'issue' | 'agent' | 'comment' | 'escalation' | 'wakeup' | 'host';
  entityId: string;
  details?: Record<string, unknown>;
}

export async function recordActivity(q: Q, workspaceId: string | null, input: ActivityInput): Promise<void> {
  await recordActivities(q, [{ ...input, workspaceId }]);
}

export async function recordActivities(q: Q, inputs: (ActivityInput & { workspaceId: string | null })[]): Promise<void> {
  if (inputs.length === 0) return;
  await q.insert(activityLog).values(
    inputs.map((input) => ({
      id: newId(),
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      details: input.details ?? null,
    })),
  );
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
