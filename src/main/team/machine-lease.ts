// Team mode's machines: this host registers its machine and renews its lease every few
// seconds; every host watches the others' leases. A machine whose lease expired is offline:
// this host says so (machine.updated) and marks that machine's running runs host_offline
// (they may still be running there; that machine's start-up recovery settles them, or a
// person cancels them: recorded as abandoned). Leases are judged by the database's clock.
import { and, eq, sql } from 'drizzle-orm';
import { ContractError } from '../../shared/errors';
import type { Db } from '../db/client';
import { agents, heartbeatRuns, machines } from '../db/schema';
import type { EventBus } from '../event-bus';
import { machineDto, type MachineRow } from '../views/dto';
import { runDtos } from '../views/lookup';
import { listMachineDtos, offlineWords } from '../services/machines';
import { loadMachines } from '../views/machines';
import { hostInstanceOfThisBoot } from '../heartbeat/host-instance';
import { logFailure } from '../host-log';
import { clearHostOffline, markHostOffline } from '../heartbeat/run-state';

export interface MachineIdentity {
  id: string;
  name: string;
  leaseMs: number;
  /** This host process: `<pid>/<start identity>`. */
  hostInstance: string;
}

/** Default lease: renewed every third of it, so a host misses two renewals before it is offline. */
export const DEFAULT_LEASE_MS = 15_000;
/** Without team mode (PGlite: the folder lock keeps it to one host) the lease never lapses while the host lives: renewed every ~8 days. */
export const SOLO_LEASE_MS = 2_000_000_000;

export class MachineLease {
  private timer: NodeJS.Timeout | null = null;
  private readonly online = new Map<string, boolean>();
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    readonly identity: MachineIdentity,
    /** Whether this host holds a run live: a false alarm (this host was too slow to renew) is taken back. */
    private readonly holds: (runId: string) => boolean = () => false,
  ) {}

  /**
   * Takes the machine row. Refused while a host of another boot (another machine given the same
   * id) holds a current lease on it: a clash of ids. Hosts of this machine may share its id
   * (several data folders on one database): they share its process table, and each run's host
   * instance says which of them owns it.
   */
  async register(): Promise<void> {
    const me = this.identity;
    // Compare-and-set over the row as read; hosts of one machine starting together retry.
    for (let attempt = 0; ; attempt++) {
      const [existing] = await loadMachines(this.db, [me.id]);
      if (existing && existing.hostInstance !== me.hostInstance && existing.online && !hostInstanceOfThisBoot(existing.hostInstance)) {
        throw new ContractError(
          'conflict',
          `machine id "${me.id}" is in use by a Vigil on another machine (host ${existing.hostInstance}, last seen ${existing.lastSeenAt.toISOString()}): ` +
            `give this host its own id with --machine-id ID (or VIGIL_MACHINE_ID), or wait ${Math.ceil(existing.leaseMs / 1000)} s for its lease to expire`,
        );
      }
      const fields = { name: me.name, hostInstance: me.hostInstance, leaseMs: me.leaseMs, startedAt: sql`now()`, lastSeenAt: sql`now()`, stoppedAt: null };
      const rows = await this.db
        .insert(machines)
        .values({ id: me.id, ...fields })
        .onConflictDoUpdate({ target: machines.id, set: fields, setWhere: existing ? eq(machines.hostInstance, existing.hostInstance) : undefined })
        .returning({ id: machines.id });
      if (rows.length > 0) break;
      if (attempt >= 10) throw new ContractError('conflict', `machine id "${me.id}": could not register it (other hosts kept taking it); start again`);
    }
    // Agents from before team mode (no machine) belong to the first host that starts.
    await this.db.update(agents).set({ machineId: me.id }).where(sql`${agents.machineId} is null`);
    for (const m of await loadMachines(this.db)) this.online.set(m.id, m.id === me.id || m.online);
  }

  start(onTickError: (message: string) => void): void {
    const every = Math.max(100, Math.floor(this.identity.leaseMs / 3));
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch((err: Error) => onTickError(`machine lease: ${err.message}`))
        .finally(() => (this.ticking = null));
    }, every);
    this.timer.unref();
  }

  /** Renews this machine's lease, then looks at everyone else's. */
  async tick(): Promise<void> {
    const me = this.identity;
    // Any host of this machine keeps it online (a co-host's clean stop does not take it offline).
    await this.db.update(machines).set({ lastSeenAt: sql`now()`, stoppedAt: null }).where(eq(machines.id, me.id));
    const flagged = await this.db
      .select({ id: heartbeatRuns.id })
      .from(heartbeatRuns)
      .where(and(eq(heartbeatRuns.hostId, me.id), eq(heartbeatRuns.status, 'running'), eq(heartbeatRuns.errorCode, 'host_offline')));
    const live = flagged.map((r) => r.id).filter((id) => this.holds(id));
    if (live.length > 0) {
      const cleared = await clearHostOffline(this.db, live);
      if (cleared.length > 0 && this.events.listens('run.updated')) for (const dto of await runDtos(this.db, cleared)) this.events.emit('run.updated', dto);
    }
    const all = await loadMachines(this.db);
    const changed: string[] = [];
    for (const m of all) {
      const online = m.id === me.id ? true : m.online;
      if (this.online.get(m.id) !== online) changed.push(m.id);
      this.online.set(m.id, online);
    }
    const offline = all.filter((m) => m.id !== me.id && !m.online);
    if (offline.length > 0) await this.markRunsHostOffline(offline);
    if (changed.length > 0 && this.events.listens('machine.updated')) {
      for (const dto of await listMachineDtos(this.db, me.id)) if (changed.includes(dto.id)) this.events.emit('machine.updated', dto);
    }
  }

  /** Running runs of machines that went offline: marked, not ended (their processes may live on). */
  private async markRunsHostOffline(offline: MachineRow[]): Promise<void> {
    const marked = [];
    for (const m of offline) {
      marked.push(
        ...(await markHostOffline(
          this.db,
          m.id,
          `${offlineWords(m)}; the run may still be running there. That machine settles it when it comes back; cancelling it here records it as abandoned.`,
        )),
      );
    }
    if (marked.length > 0 && this.events.listens('run.updated')) for (const dto of await runDtos(this.db, marked)) this.events.emit('run.updated', dto);
  }

  /** Whether a machine is online now (asks the database: a lease may have expired a moment ago). */
  async isOnline(id: string): Promise<boolean> {
    if (id === this.identity.id) return true;
    const [m] = await loadMachines(this.db, [id]);
    return !!m?.online;
  }

  /** A clean stop: offline at once for everyone, without waiting for the lease to run out. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    const [row] = await this.db
      .update(machines)
      .set({ stoppedAt: sql`now()` })
      .where(and(eq(machines.id, this.identity.id), eq(machines.hostInstance, this.identity.hostInstance)))
      .returning()
      // Stopping with the database away: the lease runs out on its own instead.
      .catch((err: unknown) => (logFailure('machine-lease', 'marking this machine stopped')(err), [] as MachineRow[]));
    if (row && this.events.listens('machine.updated')) {
      this.events.emit('machine.updated', machineDto(row, { online: false, self: true, agents: 0, runningRuns: 0 }));
    }
  }
}
