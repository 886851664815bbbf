// Periodic work that matters only while runs are active (queued or live): the gate's safety
// pump, silence checks, overdue requests, detached runs. An idle host (no active run) arms none
// of them, so it sleeps until an event (a call, a timer an agent or a routine asked for) wakes it.
// The recovery sweep, the net for what no event told the host, is periodic while runs are
// active and, while idle, runs once after a change to what it reads (a run, an issue, an agent):
// with PGlite this host is the only writer, so when nothing changed, the sweep has nothing new
// to find. Team mode stays busy: other machines' runs share the tables.
import { inArray } from 'drizzle-orm';
import { ACTIVE_RUN_STATUSES } from '../shared/domain';
import type { EventName } from '../shared/events';
import type { Db } from './db/client';
import { heartbeatRuns } from './db/schema';
import type { EventBus } from './event-bus';
import { logFailure } from './host-log';

interface Task {
  every: number;
  fn: () => unknown;
  what: string;
  timer: NodeJS.Timeout | null;
  /** Also once, `every` ms after a change, while idle (armed by CHANGES). */
  afterChanges: boolean;
  once: NodeJS.Timeout | null;
}

/** What the recovery sweep reads: a change to one of these can leave it something to do. */
const CHANGES: readonly EventName[] = ['run.created', 'run.updated', 'issue.updated', 'agent.updated', 'agent.removed'];

export class BusyTimers {
  private readonly active = new Set<string>();
  private readonly tasks: Task[] = [];
  private readonly unsubscribe: () => void;
  private readonly unsubscribeChanges: () => void;
  private checking: Promise<void> | null = null;
  private disposed = false;

  constructor(
    private readonly db: Db,
    events: EventBus,
    /** onIdle: called once each time the host goes from busy to idle (the last active run ended). */
    private readonly opts: { alwaysBusy: boolean; onIdle?: () => void },
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
    // After the listener above: a run's end has already made the host idle when this runs.
    this.unsubscribeChanges = events.subscribe(() => this.changed(), { events: CHANGES });
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
    this.tasks.push({ every, fn, what, timer: null, afterChanges: false, once: null });
    this.rearm();
  }

  /**
   * Runs fn every `every` ms while any run is active and, while idle, once `every` ms after a
   * run, an issue or an agent changed (changes meanwhile share that one pass); every <= 0 never.
   */
  everyAndAfterChanges(every: number, what: string, fn: () => unknown): void {
    if (every <= 0) return;
    this.tasks.push({ every, fn, what, timer: null, afterChanges: true, once: null });
    this.rearm();
  }

  get busy(): boolean {
    return this.opts.alwaysBusy || this.active.size > 0;
  }

  /** The timers armed now, periodic or once after a change (for tests: an idle host left alone has none). */
  get armed(): number {
    return this.tasks.reduce((n, t) => n + (t.timer ? 1 : 0) + (t.once ? 1 : 0), 0);
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    this.unsubscribeChanges();
    for (const t of this.tasks) {
      this.stop(t);
      this.stopOnce(t);
    }
  }

  private changed(): void {
    if (this.disposed || this.busy) return;
    for (const t of this.tasks) {
      if (!t.afterChanges || t.once) continue;
      t.once = setTimeout(() => {
        t.once = null;
        run(t);
      }, t.every);
      t.once.unref();
    }
  }

  private rearm(): void {
    if (this.disposed) return;
    if (this.busy) {
      for (const t of this.tasks) {
        this.stopOnce(t); // the periodic timer takes over
        if (t.timer) continue;
        t.timer = setInterval(() => run(t), t.every);
        t.timer.unref();
      }
      return;
    }
    if (!this.tasks.some((t) => t.timer)) return;
    // Going idle by the events: the database has the last word (a run an event did not show).
    this.checking ??= this.seedQuietly().finally(() => {
      this.checking = null;
      for (const t of this.tasks) {
        if (this.busy) this.stopOnce(t);
        else this.stop(t);
      }
      if (!this.busy && !this.disposed) this.opts.onIdle?.();
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

  private stopOnce(t: Task): void {
    if (t.once) clearTimeout(t.once);
    t.once = null;
  }
}

function run(t: Task): void {
  try {
    void Promise.resolve(t.fn()).catch(logFailure('timers', t.what));
  } catch (err) {
    logFailure('timers', t.what)(err);
  }
}
