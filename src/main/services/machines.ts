// Team mode's machines: each host registers its machine (src/main/team/machine-lease.ts); here
// are the reads every service shares: a machine by name or id, whether its lease is current,
// and the machines.list verb. "Online" is always judged by the database's clock, so two
// machines whose clocks disagree still agree on who is online.
import { and, eq, or, sql } from 'drizzle-orm';
import type { MachineDto } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import { agents, heartbeatRuns, machines } from '../db/schema';
import type { Q, ServiceContext } from '../context';
import { machineDto, type MachineRow } from '../views/dto';

export { loadMachines, machineOnlineSql, machineStates, type MachineWithState } from '../views/machines';
import { loadMachines, machineOnlineSql, type MachineWithState } from '../views/machines';

export async function findMachine(q: Q, ref: string): Promise<MachineWithState | null> {
  const rows = await q
    .select({ m: machines, online: machineOnlineSql })
    .from(machines)
    .where(or(eq(machines.id, ref), eq(machines.name, ref)));
  // An id wins over another machine's name.
  const row = rows.find((r) => r.m.id === ref) ?? rows[0];
  return row ? { ...row.m, online: row.online === true || (row.online as unknown) === 't' } : null;
}

export async function requireMachine(q: Q, ref: string, field?: string): Promise<MachineWithState> {
  const row = await findMachine(q, ref);
  if (row) return row;
  const known = (await loadMachines(q)).map((m) => m.name);
  throw new ContractError('not_found', `unknown machine "${ref}" (known: ${known.join(', ') || 'none'})`, field);
}

/** "machine NAME is offline (last seen TIME)": the words every refusal of a remote action uses. */
export function offlineWords(m: MachineRow): string {
  return m.stoppedAt
    ? `machine "${m.name}" is offline (its Vigil stopped at ${m.stoppedAt.toISOString()})`
    : `machine "${m.name}" is offline (its lease expired; last seen ${m.lastSeenAt.toISOString()})`;
}

export async function listMachineDtos(q: Q, selfId: string): Promise<MachineDto[]> {
  const rows = await loadMachines(q);
  const agentCounts = new Map(
    (await q.select({ id: agents.machineId, n: sql<number>`count(*)::int` }).from(agents).groupBy(agents.machineId)).map((r) => [r.id, Number(r.n)]),
  );
  const running = new Map(
    (
      await q
        .select({ id: heartbeatRuns.hostId, n: sql<number>`count(*)::int` })
        .from(heartbeatRuns)
        .where(and(eq(heartbeatRuns.status, 'running')))
        .groupBy(heartbeatRuns.hostId)
    ).map((r) => [r.id, Number(r.n)]),
  );
  return rows.map((m) => machineDto(m, { online: m.online, self: m.id === selfId, agents: agentCounts.get(m.id) ?? 0, runningRuns: running.get(m.id) ?? 0 }));
}

export function machineHandlers(ctx: ServiceContext) {
  return {
    'machines.list': async () => listMachineDtos(ctx.db, ctx.machineId),
  };
}
