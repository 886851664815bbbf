// Periodic work that matters only while runs are active (queued or live): the gate's safety
// pump, silence checks, overdue requests, detached runs, the recovery sweep. An idle host (no
// active run) arms none of them, so it sleeps until an event (a call, a timer an agent or a
// routine asked for) wakes it. Team mode stays busy: other machines' runs share the tables.
import { inArray } from 'drizzle-orm';
import { ACTIVE_RUN_STATUSES } from '../shared/domain';
import type { Db } from './db/client';
import { heartbeatRuns } from './db/schema';
import type { EventBus } from './event-bus';
import { logFailure } from './host-log';

interface Task {
  every: number;
  fn: () => unknown;
  what: string;
  timer: NodeJS.Timeout | null;
}

export class BusyTimers {
  private readonly active = new Set<string>();
  private readonly tasks: Task[] = [];
  private readonly unsubscribe: () => void;
  private checking: Promise<void> | null = null;
  private disposed = false;

  constructor(
    private readonly db: Db,
    events: EventBus,
    private readonly opts: { alwaysBusy: boolean },
  ) {
    this.unsubscribe = events.subscribe(
      (e) => {
        if (e.event !== 'run.created' && e.event !== 'run.updated') return;
        if (ACTIVE_RUN_STATUSES.includes(e.data.status)) this.active.add(e.data.id);
        else this.active.delete(e.data.id);
        this.rearm();
      },
      { events: ['run.created', 'run.updated'] },
    );
  }

  /** Reads the active runs from the database (at start, and before going idle). */
  async seed(): Promise<void> {
    const rows = await this.db.select({ id: heartbeatRuns.id }).from(heartbeatRuns).where(inArray(heartbeatRuns.status, [...ACTIVE_RUN_STATUSES]));
    for (const r of rows) this.active.add(r.id);
    this.rearm();
  }

  /** Runs fn every `every` ms while any run is active; every <= 0 never. */
  every(every: number, what: string, fn: () => unknown): void {
    if (every <= 0) return;
    this.tasks.push({ every, fn, what, timer: null });
    this.rearm();
  }

  get busy(): boolean {
    return this.opts.alwaysBusy || this.active.size > 0;
  }

  /** The timers armed now (for tests: an idle host has none). */
  get armed(): number {
    return this.tasks.filter((t) => t.timer).length;
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    for (const t of this.tasks) this.stop(t);
  }

  private rearm(): void {
    if (this.disposed) return;
    if (this.busy) {
      for (const t of this.tasks) {
        if (t.timer) continue;
        t.timer = setInterval(() => {
          try {
            void Promise.resolve(t.fn()).catch(logFailure('timers', t.what));
          } catch (err) {
            logFailure('timers', t.what)(err);
          }
        }, t.every);
        t.timer.unref();
      }
      return;
    }
    if (!this.tasks.some((t) => t.timer)) return;
    // Going idle by the events: the database has the last word (a run an event did not show).
    this.checking ??= this.seedQuietly().finally(() => {
      this.checking = null;
      if (!this.busy) for (const t of this.tasks) this.stop(t);
    });
  }

  private async seedQuietly(): Promise<void> {
    const rows = await this.db
      .select({ id: heartbeatRuns.id })
      .from(heartbeatRuns)
      .where(inArray(heartbeatRuns.status, [...ACTIVE_RUN_STATUSES]))
      .catch(() => []);
    for (const r of rows) this.active.add(r.id);
  }

  private stop(t: Task): void {
    if (t.timer) clearInterval(t.timer);
    t.timer = null;
  }
}
