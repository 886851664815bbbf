// runs.list's `total` without counting every run on every page. On PGlite an exact count(*) of
// 100,000 runs costs 40-100 ms of WebAssembly however it is indexed (an index-only scan is no
// faster: PGlite never vacuums, so the visibility map stays empty). When this host is the only
// writer (a PGlite folder it holds the lock of), the count of runs created before a moment
// `upTo` an hour back is taken once and kept: rows are only ever added with created_at = now(),
// and removed only with their agent (cascade), which drops the kept counts. Each call then
// counts only the runs created since `upTo`, a short range of the created_at index.
// With a status filter (rows change status) or on a shared server, every call counts.
import { and, gt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { heartbeatRuns } from '../db/schema';
import type { EventBus } from '../event-bus';

/** How far back the kept count stops: generous against clock steps and late commits. */
const KEPT_BEFORE_MS = 60 * 60_000;
/** Once this many runs are newer than the kept count, it is taken again, nearer now. */
const RECOUNT_AFTER = 2_000;
const MAX_KEPT = 200;

export class RunTotals {
  private readonly kept = new Map<string, { upTo: Date; count: number }>();
  /** The statistics are taken: a result kept, never an attempt (a failed ANALYZE, on a full disk, is tried again). */
  private analyzed = false;
  private analyzing: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    events: EventBus,
    private readonly exclusiveWriter: boolean,
  ) {
    if (exclusiveWriter) events.subscribe(() => this.kept.clear(), { events: ['agent.removed'] });
  }

  /**
   * The number of runs matching `where`. `key` names the filter (equal keys, equal filters);
   * null means the filter's count may change without a new row (a status filter): no keeping.
   */
  async count(where: SQL[], key: string | null): Promise<number> {
    if (!this.exclusiveWriter || key === null) return this.countWhere(where);
    let kept = this.kept.get(key);
    if (!kept) {
      // PGlite never ANALYZEs (no autovacuum): without statistics the planner takes
      // `created_at > $1` for a third of the table and scans all of it (150-280 ms here) instead
      // of walking the created_at index. Once per host, with the full count it pays anyway.
      // It only speeds the count up: a failure is no reason to fail the count.
      if (!this.analyzed) {
        this.analyzing ??= this.db.execute(sql`analyze heartbeat_runs`).then(
          () => void (this.analyzed = true),
          () => undefined,
        );
        await this.analyzing;
        this.analyzing = null;
      }
      const upTo = new Date(Date.now() - KEPT_BEFORE_MS);
      kept = { upTo, count: await this.countWhere([...where, lte(heartbeatRuns.createdAt, upTo)]) };
      if (this.kept.size >= MAX_KEPT) this.kept.clear();
      this.kept.set(key, kept);
    }
    const recent = await this.countWhere([...where, gt(heartbeatRuns.createdAt, kept.upTo)]);
    if (recent > RECOUNT_AFTER) this.kept.delete(key);
    return kept.count + recent;
  }

  private async countWhere(where: SQL[]): Promise<number> {
    const [{ total }] = await this.db.select({ total: sql<number>`count(*)::int` }).from(heartbeatRuns).where(and(...where));
    return Number(total);
  }
}
