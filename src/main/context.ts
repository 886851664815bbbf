// What the host's parts share (engine, recovery, services): the database, the event bus, this
// host's identity, ids and the activity log. Below heartbeat/ and services/, so both import it.
import { randomUUID } from 'node:crypto';
import type { Db } from './db/client';
import { sql } from 'drizzle-orm';
import { jsonbParam } from './db/storable-text';
import type { EventBus } from './event-bus';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** A database handle or an open transaction: queries run the same on both. */
export type Q = Db | Tx;

/** Team mode: what a host may ask of another machine's host (src/main/team/machine-requests.ts). */
export type RequestKind = 'run.cancel' | 'run.log' | 'agent.check';

export interface RemoteHosts {
  /** Has machine `machineId`'s host carry this out and returns its answer; throws machine_offline when it cannot. */
  ask(machineId: string, kind: RequestKind, payload: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
}

export interface ServiceContext {
  db: Db;
  events: EventBus;
  /**
   * This host's machine id (`vigil serve --machine-id`, default per machine): whose process
   * table judges a run, and which agents this host runs.
   */
  machineId: string;
  /** Another machine's host, reached through the database; null without team mode (PGlite). */
  remote: RemoteHosts | null;
  /** This host process (heartbeat/host-instance.ts): the owner recorded on the runs it claims. */
  hostInstanceId: string;
  dataDir: string;
  workspaceId: string;
  /** This host is the database's only writer (a PGlite folder it holds the lock of). */
  exclusiveWriter?: boolean;
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
  // One jsonb parameter however many rows (recovery records hundreds at once): a VALUES list
  // would be a parameter per column per row, each built and sent on its own.
  const rows = inputs.map((input) => ({
    id: newId(),
    workspace_id: input.workspaceId,
    actor: input.actor,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId,
    details: input.details ?? null,
  }));
  await q.execute(sql`
    insert into activity_log (id, workspace_id, actor, action, entity_type, entity_id, details)
    select v.id, v.workspace_id, v.actor, v.action, v.entity_type, v.entity_id, v.details
    from jsonb_to_recordset(${jsonbParam(rows)}::jsonb) as v(id text, workspace_id text, actor text, action text, entity_type text, entity_id text, details jsonb)`);
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
