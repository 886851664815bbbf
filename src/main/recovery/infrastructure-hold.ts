// A run that failed only because of the machine (a full disk, the pty host lost, the database
// away) is not the agent's failure: its issue's retry is not spent and nothing escalates. The
// issue waits (the stranded-issue sweep leaves it alone) until a probe of the cause succeeds,
// then its agent is woken for it again. The person is told once per cause, in words, with the
// folder and the fix (failureInWords).
import { randomBytes } from 'node:crypto';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diskFullWords, failureInWords, isDiskFull } from '../infrastructure/failure';
import { hostLog, logFailure } from '../host-log';
import type { RunRow } from '../views/dto';

export interface InfrastructureHoldDeps {
  /** Where run logs go: the folder a full disk is probed in. */
  logsDir: string;
  notice(message: string): void;
  /** Queues the issue's next run (a fresh wake: no retry counted). */
  wake(run: RunRow): Promise<void>;
  /** Shutdown began: nothing is queued any more. */
  closing(): boolean;
}

const FIRST_PROBE_MS = 1000;
const MAX_PROBE_MS = 30_000;
/** A probe writes this much: room for a run's first log lines, not just a directory entry. */
const PROBE_BYTES = 64 * 1024;

export class InfrastructureHold {
  /** Issue id -> the run whose failure holds it. */
  private readonly held = new Map<string, RunRow>();
  private readonly told = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private delay = FIRST_PROBE_MS;

  constructor(private readonly deps: InfrastructureHoldDeps) {}

  /** Whether the issue waits for the machine (the stranded-issue sweep must not dispatch it). */
  holds(issueId: string): boolean {
    return this.held.has(issueId);
  }

  /** The run failed for the machine: its issue waits for the cause to go, then is queued again. */
  hold(run: RunRow): void {
    if (!run.issueId) return;
    this.held.set(run.issueId, run);
    const disk = isDiskFull(run.error ?? '');
    const cause = disk ? 'disk' : (run.errorCode ?? 'infrastructure');
    if (!this.told.has(cause)) {
      this.told.add(cause);
      const words = disk ? diskFullWords(this.deps.logsDir) : failureInWords(new Error(run.error ?? String(run.errorCode)), this.deps.logsDir);
      const message = `Run ${run.id} failed because of this machine, not its agent (${words}). Its issue was not charged a retry; it is queued again by itself once that is fixed.`;
      this.deps.notice(message);
      hostLog('warn', 'recovery', message);
    }
    this.schedule(FIRST_PROBE_MS);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.probeAndRelease();
    }, ms);
    this.timer.unref();
  }

  /** True when a run's log could be written now (the cause of a full disk is gone). */
  private probe(): boolean {
    const file = join(this.deps.logsDir, `.write-probe-${process.pid}`);
    try {
      mkdirSync(this.deps.logsDir, { recursive: true });
      writeFileSync(file, randomBytes(PROBE_BYTES));
      return true;
    } catch {
      return false;
    } finally {
      try {
        unlinkSync(file);
      } catch {
        // never written (the disk is still full), nothing to remove
      }
    }
  }

  private async probeAndRelease(): Promise<void> {
    if (this.deps.closing() || this.held.size === 0) return;
    if (!this.probe()) {
      this.delay = Math.min(this.delay * 2, MAX_PROBE_MS);
      return this.schedule(this.delay);
    }
    this.delay = FIRST_PROBE_MS;
    const runs = [...this.held.values()];
    this.held.clear();
    this.told.clear();
    for (const run of runs) await this.deps.wake(run).catch(logFailure('recovery', `queueing issue ${run.issueId} again after run ${run.id} failed for the machine`));
  }
}
