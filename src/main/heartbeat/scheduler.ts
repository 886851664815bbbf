// Timer wakes: one interval per agent with a heartbeat interval. A timer that fires while the
// agent's previous timer run is still queued or running coalesces into it (the engine decides),
// so a timer shorter than a run never piles up runs.
import { and, eq, isNull, or } from 'drizzle-orm';
import { agents } from '../db/schema';
import type { ServiceContext } from '../context';
import { logFailure } from '../host-log';
import type { HeartbeatEngine } from './engine';

export class TimerScheduler {
  private readonly timers = new Map<string, { every: number; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly engine: HeartbeatEngine,
  ) {}

  /** Re-reads agents and (re)arms their timers. Called at start and after any agent change. */
  async sync(): Promise<void> {
    if (this.stopped) return;
    // Team mode: only this machine's agents; another machine arms its own.
    const rows = await this.ctx.db
      .select()
      .from(agents)
      .where(and(eq(agents.workspaceId, this.ctx.workspaceId), or(eq(agents.machineId, this.ctx.machineId), isNull(agents.machineId))));
    const wanted = new Map<string, number>();
    for (const a of rows) {
      const sec = a.runtimeConfig.heartbeatIntervalSec;
      if (sec && a.status !== 'paused') wanted.set(a.id, sec * 1000);
    }
    for (const [id, t] of this.timers) {
      if (wanted.get(id) !== t.every) {
        clearInterval(t.timer);
        this.timers.delete(id);
      }
    }
    for (const [id, every] of wanted) {
      if (this.timers.has(id)) continue;
      const timer = setInterval(() => {
        void this.engine.wake(id, { source: 'timer', reason: 'timer', triggerDetail: 'system' }).catch(logFailure('scheduler', `the timer wake of agent ${id}`));
      }, every);
      timer.unref();
      this.timers.set(id, { every, timer });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearInterval(t.timer);
    this.timers.clear();
  }
}
