// The running runs' progress (last output line, log bytes handled), saved for all of them at
// once, once a second while any run is live on this host. Each run used to have its own timer
// and two statements a second (its update, then its agent read again for run.updated): at 100
// agents printing, about 200 statements a second, 1.5-2.5 ms each on PGlite's one connection,
// a quarter of the host's thread (docs/performance.md). Now: one update for every run with a new
// line, and one read of their agents for the events.
import type { Db } from '../db/client';
import { logFailure } from '../host-log';
import type { RunRow } from '../views/dto';
import { recordProgress, type RunProgress } from './run-state';

/** A live run, asked at each save what it has to record. */
export interface ProgressSource {
  /**
   * Its progress to record now, or null (nothing new, not started, shutting down). Resolves once
   * the events of the bytes it reports are stored.
   */
  progressToSave(): Promise<RunProgress | null>;
}

export class ProgressSaver {
  private readonly sources = new Set<ProgressSource>();
  private timer: NodeJS.Timeout | null = null;
  private saving = false;

  /** `saved`: the rows written (told to whoever listens); `everyMs`: how often while runs are live. */
  constructor(
    private readonly db: Db,
    private readonly saved: (rows: RunRow[]) => Promise<void>,
    private readonly everyMs = 1000,
  ) {}

  /** A run went live: saved with the others from now on (the timer runs while there is one). */
  add(source: ProgressSource): void {
    this.sources.add(source);
    this.timer ??= setInterval(() => void this.save(), this.everyMs);
  }

  /** The run is no longer live here (ended, lost, left). Idempotent. */
  delete(source: ProgressSource): void {
    this.sources.delete(source);
    if (this.sources.size === 0) this.stop();
  }

  close(): void {
    this.sources.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass: a pass still saving when the next is due makes that one skip (progress is shown, not kept). */
  private async save(): Promise<void> {
    if (this.saving) return;
    this.saving = true;
    try {
      const asked = await Promise.all([...this.sources].map((s) => s.progressToSave().catch(() => null)));
      const progress = asked.filter((p): p is RunProgress => p !== null);
      if (progress.length === 0) return;
      // A failed save is tried again with each run's next line.
      const rows = await recordProgress(this.db, progress).catch(() => []);
      if (rows.length > 0) await this.saved(rows).catch(logFailure('engine', "telling of the runs' progress"));
    } finally {
      this.saving = false;
    }
  }
}
