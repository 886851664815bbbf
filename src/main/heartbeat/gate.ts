// The one gate that starts runs: the scheduler pump (single flight, re-run when asked while it
// runs) and the fairness query it reads. Every path that queues work or frees a slot calls
// pump(); a safety interval pumps whatever happened.
import { asc, eq, sql } from 'drizzle-orm';
import type { ServiceContext } from '../context';
import { agents, heartbeatRuns } from '../db/schema';
import { hostLog } from '../host-log';
import type { AgentRow, RunRow } from '../views/dto';
import { LIVE_SQL } from './run-state';

export interface GateOptions {
  maxConcurrentRuns: number;
  /** The safety net: the gate also pumps this often (default 30 s; 0: never). */
  safetyPumpMs?: number;
  /** Runs this host holds now (each takes one of maxConcurrentRuns). */
  held(): number;
  /** Claims and starts one run; false when the claim was lost (another host, a cancel, a full agent). */
  startRun(run: RunRow, agent: AgentRow): Promise<boolean>;
}

export class Gate {
  private opened = false;
  private closed = false;
  private pumping = false;
  private pumpAgain = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private safetyTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: GateOptions,
  ) {}

  /** Opens the gate: until then runs are only queued (start-up recovery runs before it). */
  open(): void {
    this.opened = true;
    const every = this.opts.safetyPumpMs ?? 30_000;
    if (every > 0) {
      this.safetyTimer = setInterval(() => this.pump(), every);
      this.safetyTimer.unref();
    }
    this.pump();
  }

  /** Closes the gate for good (shutdown), then waits until it is idle. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    await this.settled();
  }

  /** Starts queued runs while the global and per-agent caps allow. Single flight. */
  pump(): void {
    if (this.closed || !this.opened) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpDone = this.pumpLoop()
      .catch((err) => {
        hostLog('error', 'scheduler', 'a pass of the gate failed', err);
        this.ctx.events.emit('host.notice', { level: 'error', message: `scheduler: ${(err as Error).message}` });
      })
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain && !this.closed) this.pump();
      });
  }

  /** Resolves when the gate is idle. */
  async settled(): Promise<void> {
    while (this.pumping) await this.pumpDone;
  }

  private async pumpLoop(): Promise<void> {
    let rounds = 0;
    do {
      this.pumpAgain = false;
      if (this.closed) return;
      const capacity = this.opts.maxConcurrentRuns - this.opts.held();
      if (capacity <= 0) return;
      const startable = await this.startableRuns(capacity);
      let lost = 0;
      for (const { run, agent } of startable) {
        if (this.closed || this.opts.held() >= this.opts.maxConcurrentRuns) break;
        if (!(await this.opts.startRun(run, agent))) lost++;
      }
      // Claims lost to another host free nothing here: look again for what is left (bounded).
      if (lost > 0 && lost < startable.length && ++rounds < 5) this.pumpAgain = true;
    } while (this.pumpAgain);
  }

  /**
   * The oldest queued runs of this machine's agents that can start now, fair per agent: each
   * agent contributes at most its free slots (maxConcurrentRuns minus its live runs on every
   * host), so one capped agent's backlog never hides another agent's work.
   */
  private async startableRuns(limit: number): Promise<{ run: RunRow; agent: AgentRow }[]> {
    const eligible = sql`(
      select ranked.id from (
        select r.id, r.agent_id, r.created_at,
          row_number() over (partition by r.agent_id order by r.created_at, r.id) as rn
        from heartbeat_runs r join agents a on a.id = r.agent_id
        where r.status = 'queued' and a.status <> 'paused'
          -- Team mode: only an agent's own machine starts its runs (in its folders, on its process table).
          and (a.machine_id = ${this.ctx.machineId} or a.machine_id is null)
          -- Usage windows: an agent waiting for its CLI's limit to reset keeps its queue (src/main/budgets/holds.ts).
          and not exists (select 1 from agent_holds h where h.agent_id = a.id and h.until > now())
      ) ranked
      join agents a on a.id = ranked.agent_id
      where ranked.rn <= coalesce((a.runtime_config->>'maxConcurrentRuns')::int, 1)
        - (select count(*) from heartbeat_runs l where l.agent_id = ranked.agent_id and l.status in (${LIVE_SQL}))
      order by ranked.created_at, ranked.id
      limit ${limit}
    )`;
    return this.ctx.db
      .select({ run: heartbeatRuns, agent: agents })
      .from(heartbeatRuns)
      .innerJoin(agents, eq(agents.id, heartbeatRuns.agentId))
      .where(sql`${heartbeatRuns.id} in ${eligible}`)
      .orderBy(asc(heartbeatRuns.createdAt), asc(heartbeatRuns.id));
  }
}
