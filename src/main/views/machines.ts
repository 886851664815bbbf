// Team mode's machines as read: whether a lease is current ("online", judged by the database's
// clock, so two machines whose clocks disagree still agree on who is online) and their states.
import { inArray, sql } from 'drizzle-orm';
import { machines } from '../db/schema';
import type { Q } from '../context';
import type { MachineRow, MachineState } from './dto';

/** True while the machine renews its lease and has not stopped. */
export const machineOnlineSql = sql<boolean>`(${machines.stoppedAt} is null and ${machines.lastSeenAt} > now() - ${machines.leaseMs} * interval '1 millisecond')`;

export type MachineWithState = MachineRow & { online: boolean };

export async function loadMachines(q: Q, ids?: string[]): Promise<MachineWithState[]> {
  if (ids && ids.length === 0) return [];
  const rows = await q
    .select({ m: machines, online: machineOnlineSql })
    .from(machines)
    .where(ids ? inArray(machines.id, ids) : undefined)
    .orderBy(machines.name);
  return rows.map((r) => ({ ...r.m, online: r.online === true || (r.online as unknown) === 't' }));
}

export async function machineStates(q: Q, ids: (string | null)[]): Promise<Map<string, MachineState>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  return new Map((await loadMachines(q, wanted)).map((m) => [m.id, { name: m.name, online: m.online }]));
}

