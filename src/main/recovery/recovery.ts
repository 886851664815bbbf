// Recovery: what a crash or a forced quit left behind is put right, before the scheduler
// starts and then periodically. Runs whose process is gone fail as process_lost and get one
// retry; live processes are watched as detached; stranded assigned issues are dispatched or
// continued once, then escalated.
import { failedAfterRetryMessage } from '../services/escalation-text';
import { classifyStartFailure, startFailureMessage } from '../services/start-failure';
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { agents, heartbeatRuns, issues, type PendingInput } from '../db/schema';
import { hostInstanceAlive } from '../heartbeat/host-instance';
import { ACTIVE_SQL, LIVE_STATUSES, markDetached } from '../heartbeat/run-state';
import { isActiveStatus } from '../../shared/domain';
import type { HeartbeatEngine, RunEndPolicy } from '../heartbeat/engine';
import { logFailure } from '../host-log';
import { insertQueuedRuns, lockAgents, moveExecutions, type QueuedRun } from '../heartbeat/queue';
import { isSameProcess, pidExists, readProcStat } from '../../node/process/identity';
import { terminateRun, terminateRuns } from '../../node/process/tree';
import { runProcessQuery } from '../heartbeat/run-processes';
import { lostProcessWords } from '../infrastructure/lost-process';
import { isInfrastructureFailure } from '../infrastructure/failure';
import { sweepRunContainers, type RunContainers } from '../../node/process/containment';
import { InfrastructureHold } from './infrastructure-hold';
import type { ServiceContext } from '../context';
import type { RunRow } from '../views/dto';
import { escalate } from '../services/escalations';
import { loadRunDtos, runDtos } from '../views/lookup';

export interface RecoveryOptions {
  killGraceMs: number;
  detachedSilenceMs: number;
  /** This data folder's run containers (cgroups or systemd scopes), or null without containment. */
  containers?: RunContainers | null;
  /** The run logs' folder: a full disk is probed there before held issues are queued again. */
  logsDir: string;
}

export interface ReapResult {
  reaped: number;
  runIds: string[];
  detached: string[];
  terminatedProcesses: number;
}

export interface ReconcileResult {
  dispatchRequeued: number;
  continuationRequeued: number;
  escalated: number;
  issueIds: string[];
}

const DISPATCH_BLOCKED =
  'Vigil retried dispatch of this issue once after its run ended without progress, and it still has no live execution path. Blocked until someone looks: retry it, reassign it, or move it back to todo.';
const CONTINUATION_BLOCKED =
  'Vigil retried continuation of this in-progress issue once after its run ended without finishing, and it still has no live execution path. Blocked until someone looks: retry it, reassign it, or move it back to todo.';

/**
 * Lost runs ended per transaction: a fixed number of statements each, whatever the slice holds.
 * PGlite runs each statement on this thread: at 100 the longest (the runs' update) is ~7 ms;
 * 50 made twice the statements (1,000 lost runs ~950 ms, not ~750), 200 was slower per run.
 */
const LOST_RUNS_PER_TRANSACTION = 100;
/** Lost runs from which on the table's statistics are taken again (see reapOrphanedRuns). */
const ANALYZE_AFTER_LOST = 200;
/** Live runs read per statement when looking for orphans (the same reason). */
const CANDIDATES_PER_READ = 200;

const pendingOf = (snapshot: RunRow['contextSnapshot']): PendingInput[] => (Array.isArray(snapshot.pendingInput) ? (snapshot.pendingInput as PendingInput[]) : []);

/** A retry the machine caused (its pty host lost): it does not count as the agent's. */
const INFRASTRUCTURE_RETRY = 'infrastructureRetry';

function hadRetry(run: RunRow): boolean {
  if (run.contextSnapshot?.[INFRASTRUCTURE_RETRY] === true) return false;
  return !!run.contextSnapshot?.retryReason || run.processLossRetryCount > 0 || !!run.retryOfRunId;
}

/**
 * Every run starts in a pty (ACP agents too, behind `vigil acp-client`): a live leader without a
 * controlling terminal lost it when the process holding its master died (the kernel hung it up).
 * Unknown without procfs (macOS): false.
 */
function terminalLost(run: RunRow): boolean {
  if (!run.processPid) return false;
  const stat = readProcStat(run.processPid);
  return !!stat && stat.ttyNr === 0;
}

const TERMINAL_LOST_AT_START = 'Its terminal was lost: the pty host (or the Vigil process) holding it is gone, so it was stopped rather than left running unseen.';

/** Alive and provably the recorded process (without a recorded identity: alive and not a zombie). */
function leaderAlive(run: RunRow): boolean {
  if (!run.processPid) return false;
  if (run.processStartId) return isSameProcess(run.processPid, run.processStartId);
  const stat = readProcStat(run.processPid);
  return stat ? stat.state !== 'Z' : pidExists(run.processPid);
}

/** Recovery is the engine's RunEndPolicy: it decides what follows a run's end or a pty host's loss. */
export class Recovery implements RunEndPolicy {
  /** Runs whose pty host died under them: their terminals are gone, so they are never watched as detached. */
  private readonly terminalGone = new Set<string>();
  readonly infrastructure: InfrastructureHold;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly engine: HeartbeatEngine,
    private readonly opts: RecoveryOptions,
  ) {
    this.infrastructure = new InfrastructureHold({
      logsDir: opts.logsDir,
      notice: (message) => ctx.events.emit('host.notice', { level: 'warning', message }),
      closing: () => engine.closing,
      wake: async (run) => {
        await engine.wake(run.agentId, { source: 'automation', reason: 'infrastructure_recovered', issueId: run.issueId });
      },
    });
  }

  /**
   * Live runs (starting or running) recorded on this machine that no live host instance holds:
   * not this host's own live runs, and never those of another host process on this machine that
   * is still alive (it judges its own). Runs this host adopted as detached are its to watch.
   */
  private async orphanCandidates(): Promise<RunRow[]> {
    const rows: RunRow[] = [];
    for (let after = ''; ; ) {
      const page = await this.ctx.db
        .select()
        .from(heartbeatRuns)
        .where(
          and(
            inArray(heartbeatRuns.status, LIVE_STATUSES),
            or(eq(heartbeatRuns.hostId, this.ctx.machineId), isNull(heartbeatRuns.hostId)),
            gt(heartbeatRuns.id, after),
          ),
        )
        .orderBy(asc(heartbeatRuns.id))
        .limit(CANDIDATES_PER_READ);
      rows.push(...page);
      if (page.length < CANDIDATES_PER_READ) break;
      after = page[page.length - 1].id;
    }
    const mine = this.ctx.hostInstanceId;
    return rows.filter((r) => !this.engine.holds(r.id) && (r.hostInstanceId === mine || !hostInstanceAlive(r.hostInstanceId)));
  }

  /**
   * Every run container (cgroup or systemd scope) of this data folder whose run is neither held by
   * this host nor kept as detached is emptied and removed: what a crash, a lost pty host or an
   * escape (setsid, env -i) left behind. Returns how many processes were in them.
   */
  private async sweepCgroups(keep: Set<string>): Promise<number> {
    const containers = this.opts.containers;
    if (!containers) return 0;
    const live = new Set<string>();
    for (const id of await containers.runIds()) if (keep.has(id) || this.engine.holds(id)) live.add(id);
    const swept = await sweepRunContainers(containers, live);
    return swept.reduce((n, s) => n + s.killed, 0);
  }

  async reapOrphanedRuns(): Promise<ReapResult> {
    const result: ReapResult = { reaped: 0, runIds: [], detached: [], terminatedProcesses: 0 };
    const lost: RunRow[] = [];
    for (const run of await this.orphanCandidates()) {
      // A claimed run whose process was never recorded may still have one: found by its cookie below.
      // An agent whose terminal is gone is stopped and retried, never watched headless.
      if (run.status === 'running' && leaderAlive(run) && !this.terminalGone.has(run.id) && !terminalLost(run)) {
        await this.markDetached(run);
        result.detached.push(run.id);
      } else {
        lost.push(run);
      }
    }
    const keep = new Set(result.detached);
    if (lost.length === 0) {
      result.terminatedProcesses += await this.sweepCgroups(keep);
      return result;
    }
    // One scan of the process table for every lost run: leftovers found by group, session or cookie.
    const noTerminal = new Set(lost.filter((run) => !this.terminalGone.has(run.id) && leaderAlive(run) && terminalLost(run)).map((r) => r.id));
    const killed = await terminateRuns(lost.map(runProcessQuery), { graceMs: this.opts.killGraceMs });
    const failures = lost.map((run) => {
      const terminated = killed.get(run.id)?.terminated ?? [];
      result.terminatedProcesses += terminated.length;
      const words = lostProcessWords(run, terminated); // reliability: words that say only what was seen
      // Its pty host died: the machine's failure, not the agent's (isInfrastructureFailure).
      const error = this.terminalGone.delete(run.id) ? `Its terminal was lost with the pty host. ${words}` : noTerminal.has(run.id) ? `${TERMINAL_LOST_AT_START} ${words}` : words;
      return { run, error };
    });
    // After the signals (their words name what was found): whatever escaped group, session and cookie.
    result.terminatedProcesses += await this.sweepCgroups(keep);
    // In slices: each is one transaction of a fixed number of statements, short enough that
    // the event loop turns between them while a crash left hundreds of runs behind.
    for (let i = 0; i < failures.length; i += LOST_RUNS_PER_TRANSACTION) {
      for (const id of await this.failLost(failures.slice(i, i + LOST_RUNS_PER_TRANSACTION))) {
        result.reaped++;
        result.runIds.push(id);
      }
    }
    // PGlite never analyzes on its own: after hundreds of runs ended and as many retries queued,
    // the planner's old picture of the table makes the stranded-issue check that follows scan
    // every live run once per issue (68 ms for 1,000 issues, 12 ms after this).
    if (result.reaped >= ANALYZE_AFTER_LOST && this.ctx.exclusiveWriter) await this.ctx.db.execute(sql`analyze heartbeat_runs`).catch(logFailure('recovery', 'analyzing heartbeat_runs after many lost runs'));
    return result;
  }

  /**
   * Team mode: runs of this machine that a person cancelled while it was offline (abandoned).
   * Their processes may have outlived that; whatever of them is still alive (same process, or
   * carrying the run's cookie) is stopped now. Start-up only: a machine is offline only while
   * its host is not running.
   */
  async stopAbandoned(): Promise<number> {
    const rows = await this.ctx.db
      .select()
      .from(heartbeatRuns)
      .where(
        and(
          eq(heartbeatRuns.hostId, this.ctx.machineId),
          eq(heartbeatRuns.status, 'cancelled'),
          eq(heartbeatRuns.errorCode, 'abandoned'),
          sql`${heartbeatRuns.finishedAt} > now() - interval '7 days'`,
        ),
      );
    const mine = rows.filter((r) => r.hostInstanceId !== this.ctx.hostInstanceId && !hostInstanceAlive(r.hostInstanceId));
    if (mine.length === 0) return 0;
    const killed = await terminateRuns(mine.map(runProcessQuery), { graceMs: this.opts.killGraceMs });
    let stopped = 0;
    for (const k of killed.values()) stopped += k.terminated.length;
    return stopped;
  }

  /** A live process whose host is gone: this host adopts it (owner instance moves here) and watches it. */
  private async markDetached(run: RunRow): Promise<void> {
    if (run.errorCode === 'process_detached' && run.hostInstanceId === this.ctx.hostInstanceId) return;
    const row = await markDetached(
      this.ctx.db,
      run,
      this.ctx.hostInstanceId,
      // Only what was seen: no host holds it, its process lives with its terminal (nothing says a restart happened).
      `No Vigil host holds this run, but its process (pid ${run.processPid}) is still alive with its terminal; Vigil is watching it.`,
    );
    if (row && this.ctx.events.listens('run.updated')) this.ctx.events.emit('run.updated', (await runDtos(this.ctx.db, [row]))[0]);
  }

  /**
   * Fails lost runs and, for each that was not already the process-loss retry, queues exactly
   * one retry in the same transaction. Returns the runs this call ended.
   */
  private async failLost(failures: { run: RunRow; error: string }[]): Promise<string[]> {
    const retries = new Map<string, QueuedRun>();
    const done = await this.engine.finishRuns(
      failures.map(({ run, error }) => ({
        run,
        // Its session stays the issue's (the retry resumes it); the retry carries its pending input.
        outcome: { status: 'failed', errorCode: 'process_lost', error, exitCode: null, signal: null, continuedByCaller: run.processLossRetryCount < 1 },
      })),
      async (tx, rows) => {
        await lockAgents(tx, rows.map((r) => r.agentId));
        // A lost retry gets no retry of its own; ending it already released its issue.
        const retried = rows.filter((row) => row.processLossRetryCount < 1);
        const queued = await insertQueuedRuns(
          tx,
          retried.map((row) => ({
            workspaceId: row.workspaceId,
            agentId: row.agentId,
            source: 'automation',
            triggerDetail: 'system',
            reason: 'process_lost_retry',
            issueId: row.issueId,
            retryReason: 'process_loss',
            retryOfRunId: row.id,
            processLossRetryCount: row.processLossRetryCount + 1,
            extraContext: {
              ...row.contextSnapshot,
              retryReason: 'process_loss',
              // Lost with its pty host: the machine's failure, so this retry is not the agent's.
              [INFRASTRUCTURE_RETRY]: isInfrastructureFailure({ errorCode: 'process_lost', error: row.error }),
              pendingInput: [...pendingOf(row.contextSnapshot), ...row.pendingInput],
            },
          })),
        );
        queued.forEach((retry, k) => retries.set(retried[k].id, retry));
        await moveExecutions(
          tx,
          queued.filter((retry) => retry.issueId).map((retry) => ({ issueId: retry.issueId!, runId: retry.id })),
        );
      },
    );
    if (this.ctx.events.listens('run.created') && retries.size > 0) {
      for (const dto of await loadRunDtos(this.ctx.db, [...retries.values()].map((r) => r.id))) this.ctx.events.emit('run.created', dto);
    }
    // With its retry queued an issue has a live execution path: only the others need settling.
    for (const run of done) if (!retries.has(run.id)) await this.settle(run);
    return done.map((r) => r.id);
  }

  settled(run: RunRow): Promise<void> {
    return this.settle(run);
  }

  /**
   * The pty host died under live runs: their terminals are gone, so an agent that outlived it
   * (one ignoring SIGHUP) is stopped and its run retried, never watched headless. Judged at once, then the gate runs.
   */
  runsLost(runIds: string[]): void {
    for (const id of runIds) this.terminalGone.add(id);
    void this.reapOrphanedRuns().then(() => this.engine.pump(), logFailure('recovery', 'judging the runs of a lost pty host'));
  }

  /** After any run ends: a retry that failed escalates; other failures get recovery's one continuation. */
  async settle(run: RunRow): Promise<void> {
    if (this.engine.closing || !run.issueId) return;
    if (run.status === 'succeeded' || run.status === 'cancelled') return;
    const [issue] = await this.ctx.db.select().from(issues).where(eq(issues.id, run.issueId));
    if (!issue || (issue.status !== 'todo' && issue.status !== 'in_progress') || issue.assigneeAgentId !== run.agentId) return;
    // The machine failed, not the agent: no retry spent, the issue waits for the cause to go.
    if (isInfrastructureFailure(run)) {
      this.infrastructure.hold(run);
      return;
    }
    // The agent never started (command or folder missing): a retry would fail the same way.
    const cannotStart = classifyStartFailure(run);
    if (cannotStart) {
      await escalate(this.ctx, { issueId: run.issueId, kind: 'agent_cannot_start', runId: run.id, message: startFailureMessage(cannotStart, issue.identifier) });
      return;
    }
    if (hadRetry(run) && !(run.errorCode === 'process_lost' && run.processLossRetryCount === 0)) {
      await escalate(this.ctx, {
        issueId: run.issueId,
        kind: 'run_failed_after_retry',
        runId: run.id,
        message: failedAfterRetryMessage(run, issue.identifier),
      });
      return;
    }
    await this.reconcileIssues([run.issueId]);
  }

  // ------------------------------------------------------------------ stranded issues
  async reconcileStrandedAssignedIssues(): Promise<ReconcileResult> {
    const rows = await this.ctx.db
      .select({ id: issues.id })
      .from(issues)
      .innerJoin(agents, eq(agents.id, issues.assigneeAgentId))
      .where(
        and(
          isNotNull(issues.assigneeAgentId),
          inArray(issues.status, ['todo', 'in_progress']),
          ne(agents.status, 'paused'),
          // Team mode: each machine reconciles its own agents' issues.
          or(eq(agents.machineId, this.ctx.machineId), isNull(agents.machineId)),
          // An issue with a queued or running run has its execution path (after a crash: its retry).
          sql`not exists (select 1 from ${heartbeatRuns} where ${heartbeatRuns.issueId} = ${issues.id} and ${heartbeatRuns.status} in (${ACTIVE_SQL}))`,
        ),
      );
    return this.reconcileIssues(rows.map((r) => r.id));
  }

  async reconcileIssues(issueIds: string[]): Promise<ReconcileResult> {
    const result: ReconcileResult = { dispatchRequeued: 0, continuationRequeued: 0, escalated: 0, issueIds: [] };
    for (const issueId of issueIds) {
      const outcome = await this.reconcileIssue(issueId);
      if (!outcome) continue;
      result[outcome]++;
      result.issueIds.push(issueId);
    }
    return result;
  }

  private async reconcileIssue(issueId: string): Promise<keyof Omit<ReconcileResult, 'issueIds'> | null> {
    // Waiting for the machine (a full disk): queued again by the infrastructure hold.
    if (this.infrastructure.holds(issueId)) return null;
    const [issue] = await this.ctx.db.select().from(issues).where(eq(issues.id, issueId));
    // User-assigned work is never touched; paused agents are paused on purpose.
    if (!issue?.assigneeAgentId || (issue.status !== 'todo' && issue.status !== 'in_progress')) return null;
    const [agent] = await this.ctx.db.select().from(agents).where(eq(agents.id, issue.assigneeAgentId));
    if (!agent || agent.status === 'paused') return null;
    if (agent.machineId && agent.machineId !== this.ctx.machineId) return null; // its own machine decides
    const runs = await this.ctx.db
      .select()
      .from(heartbeatRuns)
      .where(eq(heartbeatRuns.issueId, issueId))
      .orderBy(desc(heartbeatRuns.createdAt))
      .limit(20);
    if (runs.some((r) => isActiveStatus(r.status))) return null;
    const latest = runs[0] ?? null;
    // A person stopped it (here, or while its machine was offline: abandoned).
    if (latest?.status === 'cancelled' && (latest.errorCode === 'cancelled' || latest.errorCode === 'abandoned')) return null;
    if (issue.status === 'todo') {
      if (latest?.status === 'succeeded') return null;
      if (latest?.contextSnapshot?.retryReason === 'assignment_recovery') {
        const esc = await escalate(this.ctx, { issueId, kind: 'dispatch_exhausted', message: DISPATCH_BLOCKED, runId: latest.id });
        return esc ? 'escalated' : null;
      }
      const woke = await this.engine.wake(agent.id, {
        source: 'automation',
        reason: latest ? 'issue_assignment_recovery' : 'issue_assigned',
        issueId,
        retryReason: latest ? 'assignment_recovery' : null,
      });
      return woke.status === 'queued' ? 'dispatchRequeued' : null;
    }
    if (latest?.contextSnapshot?.retryReason === 'issue_continuation_needed') {
      const esc = await escalate(this.ctx, { issueId, kind: 'continuation_exhausted', message: CONTINUATION_BLOCKED, runId: latest.id });
      return esc ? 'escalated' : null;
    }
    const woke = await this.engine.wake(agent.id, {
      source: 'automation',
      reason: 'issue_continuation_needed',
      issueId,
      retryReason: 'issue_continuation_needed',
    });
    return woke.status === 'queued' ? 'continuationRequeued' : null;
  }

  // ------------------------------------------------------------------ detached runs
  /**
   * Detached runs (alive after a restart) must still end: when the process exits the run is
   * finalized with an unknown exit; after a long silence it is stopped.
   */
  async watchDetached(now = Date.now()): Promise<void> {
    for (const run of await this.orphanCandidates()) {
      if (run.status !== 'running' || !run.processPid) continue;
      if (!leaderAlive(run)) {
        await terminateRun(runProcessQuery(run), { graceMs: this.opts.killGraceMs });
        const done = await this.engine.finishRun(run, {
          status: 'failed',
          errorCode: 'process_lost',
          error: `The detached process (pid ${run.processPid}) exited while Vigil was not attached to it; its exit status is unknown.`,
          exitCode: null,
          signal: null,
        });
        if (done) await this.settle(done);
        continue;
      }
      const last = (run.lastActivityAt ?? run.startedAt ?? run.createdAt).getTime();
      if (now - last < this.opts.detachedSilenceMs) continue;
      if (!run.processStartId) continue; // without a recorded identity Vigil never signals it
      await terminateRun(runProcessQuery(run), { graceMs: this.opts.killGraceMs });
      const done = await this.engine.finishRun(run, {
        status: 'failed',
        errorCode: 'detached_silent',
        error: `The detached process (pid ${run.processPid}) reported no activity for ${Math.round(this.opts.detachedSilenceMs / 60000)} min; Vigil stopped it.`,
        exitCode: null,
        signal: null,
      });
      if (done) await this.settle(done);
    }
  }
}
