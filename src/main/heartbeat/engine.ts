// The heartbeat engine: wakes become queued runs, one gate starts them, each run executes its
// adapter in a real pty, its output goes to the run log and out as live events, and its end
// moves the issue on. Recovery (src/main/recovery) handles what a crash left behind.
import { createHash, randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { and, asc, desc, eq, getTableColumns, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { RunDto, WakeResultDto } from '../../shared/contract';
import type { InvocationSource, RetryReason, RunErrorCode, RunStatus } from '../../shared/domain';
import { ContractError, notFound } from '../../shared/errors';
import { getAdapter } from '../adapters/index';
import type { AdapterEvent, AdapterIssue, OutputParser } from '../adapters/types';
import {
  agentRuntimeState,
  agentWakeupRequests,
  agents,
  heartbeatRunEvents,
  heartbeatRuns,
  issueComments,
  issues,
  type UsageRecord,
} from '../db/schema';
import { jsonbParam, storableText } from '../db/storable-text';
import { createLastLineTracker } from '../logs/last-line';
import { createOutputBatcher } from '../logs/output-batcher';
import { Redactor } from '../logs/redactor';
import { selectLogsToPrune } from '../logs/retention';
import type { RunLogStore, RunLogWriter } from '../logs/run-log';
import { spawnInPty, type PtyExit, type RunProcess } from '../process/pty';
import { terminateRun } from '../process/tree';
import { newId, recordActivities, recordActivity, type ServiceContext, type Tx } from '../services/context';
import { commentDto, secretValuesOf, type AgentRow, type RunRow } from '../services/dto';
import { loadAgentDto, loadIssueDto, loadRunDto, runDtos } from '../services/lookup';
import { appendRunEvent, appendRunEvents, insertQueuedRun, lockAgent, moveExecution } from './queue';
import { buildRunEnv } from './run-env';
import { runProcessQuery } from './run-processes';

export interface EngineOptions {
  maxConcurrentRuns: number;
  killGraceMs: number;
  cliPath: string | null;
  hostSecretEnv: string[];
  logRetention: { maxRunsPerAgent: number; maxBytesPerAgent: number };
}

export interface WakeInput {
  source: InvocationSource;
  reason: string;
  triggerDetail?: string;
  issueId?: string | null;
  retryReason?: RetryReason | null;
  retryOfRunId?: string | null;
  processLossRetryCount?: number;
}

/** How a run ended; the optional parts keep what the run row already holds when absent. */
export interface RunOutcome {
  status: RunStatus;
  errorCode: RunErrorCode | null;
  error: string | null;
  exitCode: number | null;
  signal: string | null;
  logBytes?: number;
  logSha256?: string | null;
  lastOutputLine?: string | null;
  sessionId?: string | null;
  usage?: UsageRecord | null;
}

type StopReason = 'cancelled' | 'timeout' | 'host_shutdown' | 'log_write_failed';

interface LiveRun {
  run: RunRow;
  agent: AgentRow;
  proc: RunProcess;
  writer: RunLogWriter;
  parser: OutputParser;
  redactor: Redactor;
  batcher: ReturnType<typeof createOutputBatcher>;
  lastLine: ReturnType<typeof createLastLineTracker>;
  claim: Promise<boolean>;
  stopReason: StopReason | null;
  stopDetail: string | null;
  paused: boolean;
  seq: number;
  pendingEvents: AdapterEvent[];
  eventFlush: Promise<void>;
  timers: NodeJS.Timeout[];
  finished: Promise<void>;
  lastLineSaved: string | null;
}

/** The statuses a run ends in. */
const TERMINAL: RunStatus[] = ['succeeded', 'failed', 'timed_out', 'cancelled'];

export class HeartbeatEngine {
  private readonly live = new Map<string, LiveRun>();
  /** Run-token hash -> live run: an agent may call back before its run's claim has committed. */
  private readonly liveTokens = new Map<string, LiveRun>();
  private started = false;
  private pumping = false;
  private pumpAgain = false;
  private closed = false;
  private pumpDone: Promise<void> = Promise.resolve();
  /** Follow-ups (escalations, continuations) a finished run asks of recovery. */
  onRunSettled: ((run: RunRow) => Promise<void>) | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly logs: RunLogStore,
    private readonly opts: EngineOptions,
  ) {}

  /** True once shutdown began: settled runs must not queue follow-ups then. */
  get closing(): boolean {
    return this.closed;
  }

  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  // ------------------------------------------------------------------ wakes
  async wake(agentId: string, input: WakeInput): Promise<WakeResultDto> {
    const issueId = input.issueId ?? null;
    const result = await this.ctx.db.transaction(async (tx) => {
      await lockAgent(tx, agentId);
      const [agent] = await tx.select().from(agents).where(eq(agents.id, agentId));
      if (!agent) throw notFound('agent', agentId);
      const detail = input.triggerDetail ?? (input.source === 'on_demand' ? 'user' : 'system');
      // A wake that starts nothing is still recorded, with what became of it.
      const recordSettledWake = async (status: 'skipped' | 'coalesced', extra: { error?: string; runId?: string }) => {
        const id = newId();
        await tx.insert(agentWakeupRequests).values({
          id,
          workspaceId: agent.workspaceId,
          agentId,
          source: input.source,
          triggerDetail: detail,
          reason: input.reason,
          payload: issueId ? { issueId } : {},
          status,
          finishedAt: new Date(),
          ...extra,
        });
        return id;
      };
      if (agent.status === 'paused') {
        const id = await recordSettledWake('skipped', { error: 'agent is paused' });
        return { wakeupId: id, status: 'skipped' as const, runId: null, reason: `agent ${agent.name} is paused` };
      }
      const [active] = await tx
        .select()
        .from(heartbeatRuns)
        .where(
          and(
            eq(heartbeatRuns.agentId, agentId),
            inArray(heartbeatRuns.status, ['queued', 'running']),
            issueId ? eq(heartbeatRuns.issueId, issueId) : isNull(heartbeatRuns.issueId),
          ),
        )
        .orderBy(asc(heartbeatRuns.createdAt))
        .limit(1);
      if (active) {
        const id = await recordSettledWake('coalesced', { runId: active.id });
        if (active.wakeupRequestId) {
          await tx
            .update(agentWakeupRequests)
            .set({ coalescedCount: sql`${agentWakeupRequests.coalescedCount} + 1`, updatedAt: new Date() })
            .where(eq(agentWakeupRequests.id, active.wakeupRequestId));
        }
        return { wakeupId: id, status: 'coalesced' as const, runId: active.id, reason: `coalesced into ${active.status} run ${active.id}` };
      }
      const { run, wakeupId } = await insertQueuedRun(tx, {
        workspaceId: agent.workspaceId,
        agentId,
        source: input.source,
        triggerDetail: detail,
        reason: input.reason,
        issueId,
        retryReason: input.retryReason ?? null,
        retryOfRunId: input.retryOfRunId ?? null,
        processLossRetryCount: input.processLossRetryCount ?? 0,
      });
      if (issueId && input.retryOfRunId) await moveExecution(tx, issueId, run.id);
      return { wakeupId, status: 'queued' as const, runId: run.id, reason: null };
    });
    if (result.runId && result.status === 'queued') {
      if (this.ctx.events.listens('run.created')) this.ctx.events.emit('run.created', await loadRunDto(this.ctx.db, result.runId));
      this.pump();
    }
    return result;
  }

  // ------------------------------------------------------------------ the gate
  /** Opens the gate: until then runs are only queued (start-up recovery runs before it). */
  start(): void {
    this.started = true;
    this.pump();
  }

  /** Starts queued runs while the global and per-agent caps allow. Single flight. */
  pump(): void {
    if (this.closed || !this.started) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pumpDone = this.pumpLoop()
      .catch((err) => this.ctx.events.emit('host.notice', { level: 'error', message: `scheduler: ${(err as Error).message}` }))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain && !this.closed) this.pump();
      });
  }

  /** Resolves when the gate is idle (shutdown waits for it). */
  async settled(): Promise<void> {
    while (this.pumping) await this.pumpDone;
  }

  private async pumpLoop(): Promise<void> {
    do {
      this.pumpAgain = false;
      if (this.closed) return;
      const db = this.ctx.db;
      const [{ n: hostRunning }] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(heartbeatRuns)
        .where(and(eq(heartbeatRuns.status, 'running'), eq(heartbeatRuns.hostId, this.ctx.hostId)));
      let capacity = this.opts.maxConcurrentRuns - Number(hostRunning);
      if (capacity <= 0) return;
      const queued = await db
        .select({ run: heartbeatRuns, agent: agents })
        .from(heartbeatRuns)
        .innerJoin(agents, eq(agents.id, heartbeatRuns.agentId))
        .where(and(eq(heartbeatRuns.status, 'queued'), ne(agents.status, 'paused')))
        .orderBy(asc(heartbeatRuns.createdAt))
        .limit(200);
      if (queued.length === 0) return;
      const agentIds = [...new Set(queued.map((q) => q.agent.id))];
      const running = new Map(
        (
          await db
            .select({ agentId: heartbeatRuns.agentId, n: sql<number>`count(*)::int` })
            .from(heartbeatRuns)
            .where(and(eq(heartbeatRuns.status, 'running'), inArray(heartbeatRuns.agentId, agentIds)))
            .groupBy(heartbeatRuns.agentId)
        ).map((r) => [r.agentId, Number(r.n)]),
      );
      for (const { run, agent } of queued) {
        if (capacity <= 0 || this.closed) break;
        const cap = agent.runtimeConfig.maxConcurrentRuns ?? 1;
        const n = running.get(agent.id) ?? 0;
        if (n >= cap) continue;
        running.set(agent.id, n + 1);
        capacity--;
        await this.startRun(run, agent);
      }
    } while (this.pumpAgain);
  }

  // ------------------------------------------------------------------ start
  private async startRun(run: RunRow, agent: AgentRow): Promise<void> {
    const ctx = this.ctx;
    const issue = run.issueId ? await this.loadAdapterIssue(run.issueId) : null;
    const [runtime] = await ctx.db.select().from(agentRuntimeState).where(eq(agentRuntimeState.agentId, agent.id));
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const wakeReason = typeof run.contextSnapshot.wakeReason === 'string' ? run.contextSnapshot.wakeReason : null;
    const env = buildRunEnv({
      base: process.env,
      agentEnv: agent.env,
      runId: run.id,
      agentId: agent.id,
      issueId: run.issueId,
      wakeReason,
      dataDir: ctx.dataDir,
      runToken: token,
      cliPath: this.opts.cliPath,
      hostSecretEnv: this.opts.hostSecretEnv,
    });
    const redactor = new Redactor([...secretValuesOf(agent.env), token]);
    const adapter = getAdapter(agent.adapterType as AgentRow['adapterType'] & Parameters<typeof getAdapter>[0]);
    let proc: RunProcess;
    try {
      const command = adapter.buildCommand({
        runId: run.id,
        agent: {
          id: agent.id,
          name: agent.name,
          adapterType: agent.adapterType as Parameters<typeof getAdapter>[0],
          command: agent.adapterConfig.command ?? null,
          cwd: agent.adapterConfig.cwd ?? null,
          model: agent.adapterConfig.model ?? null,
          args: agent.adapterConfig.args ?? [],
        },
        issue,
        wakeReason,
        retryReason: typeof run.contextSnapshot.retryReason === 'string' ? run.contextSnapshot.retryReason : null,
        resumeSessionId: run.issueId ? (runtime?.sessions?.[run.issueId] ?? null) : null,
        env,
        defaultCwd: homedir(),
      });
      proc = spawnInPty({ file: command.file, args: command.args, cwd: command.cwd, env: command.env, cols: 160, rows: 48 });
    } catch (err) {
      const message = redactor.redactText(err instanceof Error ? err.message : String(err));
      // A missing executable or folder (SpawnError) or any other refusal: the run never started.
      await this.failBeforeStart(run, 'spawn_failed', message);
      return;
    }
    const writer = this.logs.create(run.id, redactor);
    const live: LiveRun = {
      run,
      agent,
      proc,
      writer,
      parser: adapter.createParser(),
      redactor,
      batcher: createOutputBatcher({
        listening: () => ctx.events.listens('run.output'),
        emit: (offset, data) => ctx.events.emit('run.output', { runId: run.id, offset, data: data.toString('base64') }),
      }),
      lastLine: createLastLineTracker(),
      claim: Promise.resolve(false),
      stopReason: null,
      stopDetail: null,
      paused: false,
      seq: 0,
      pendingEvents: [],
      eventFlush: Promise.resolve(),
      timers: [],
      finished: Promise.resolve(),
      lastLineSaved: null,
    };
    this.live.set(run.id, live);
    this.liveTokens.set(tokenHash, live);
    proc.onData((chunk) => this.onOutput(live, chunk));
    writer.onDrain(() => {
      if (live.paused) {
        live.paused = false;
        proc.resume();
      }
    });
    writer.onError((err) => {
      if (live.stopReason) return;
      live.stopReason = 'log_write_failed';
      live.stopDetail = err.message;
      void this.killGroup(live);
    });
    live.finished = new Promise<void>((resolve) => {
      proc.onExit((exit) => {
        void this.finalize(live, exit)
          .catch((err) => ctx.events.emit('host.notice', { level: 'error', message: `finalizing run ${run.id}: ${(err as Error).message}` }))
          .finally(resolve);
      });
    });
    live.claim = this.claim(live, tokenHash);
    const claimed = await live.claim;
    if (!claimed) {
      // Another host (shared server) or a cancel got there first: this process must not run.
      live.stopReason = 'cancelled';
      await this.killGroup(live);
      return;
    }
    const timeoutSec = agent.runtimeConfig.timeoutSec;
    if (timeoutSec) {
      live.timers.push(
        setTimeout(() => {
          if (live.stopReason) return;
          live.stopReason = 'timeout';
          live.stopDetail = `the run exceeded its timeout of ${timeoutSec}s`;
          void this.killGroup(live);
        }, timeoutSec * 1000),
      );
    }
    live.timers.push(setInterval(() => void this.saveProgress(live), 1000));
  }

  /** Marks the run running with its pid, group and start identity in the same statement. */
  private async claim(live: LiveRun, tokenHash: string): Promise<boolean> {
    const { run, proc, agent } = live;
    const now = new Date();
    const claimed = await this.ctx.db.transaction(async (tx) => {
      const rows = await tx
        .update(heartbeatRuns)
        .set({
          status: 'running',
          hostId: this.ctx.hostId,
          processPid: proc.pid,
          processGroupId: proc.pgid,
          processStartId: proc.startId,
          runTokenHash: tokenHash,
          logPath: live.writer.path,
          startedAt: now,
          lastActivityAt: now,
          updatedAt: now,
        })
        .where(and(eq(heartbeatRuns.id, run.id), eq(heartbeatRuns.status, 'queued')))
        .returning();
      if (rows.length === 0) return null;
      live.run = rows[0];
      if (run.wakeupRequestId) {
        await tx
          .update(agentWakeupRequests)
          .set({ status: 'claimed', claimedAt: now, updatedAt: now })
          .where(eq(agentWakeupRequests.id, run.wakeupRequestId));
      }
      if (run.issueId) {
        await tx
          .update(issues)
          .set({
            status: 'in_progress',
            checkoutRunId: run.id,
            executionRunId: run.id,
            startedAt: sql`coalesce(${issues.startedAt}, ${now})`,
            updatedAt: now,
          })
          .where(and(eq(issues.id, run.issueId), inArray(issues.status, ['backlog', 'todo', 'in_progress', 'in_review', 'blocked'])));
      }
      await tx.update(agents).set({ status: 'running', updatedAt: now }).where(and(eq(agents.id, agent.id), ne(agents.status, 'paused')));
      live.seq = await appendRunEvent(tx, run.id, 'started', `pid ${proc.pid} (process group ${proc.pgid})`, { pid: proc.pid, pgid: proc.pgid });
      await recordActivity(tx, agent.workspaceId, {
        actor: 'system',
        action: 'run.started',
        entityType: 'run',
        entityId: run.id,
        details: { pid: proc.pid, pgid: proc.pgid, agentId: agent.id, issueId: run.issueId },
      });
      return rows[0];
    });
    if (!claimed) return false;
    await this.emitRunAndNeighbours(run.id, run.issueId, agent.id);
    return true;
  }

  // ------------------------------------------------------------------ the hot path
  private onOutput(live: LiveRun, chunk: Buffer): void {
    const events = live.parser.push(chunk);
    const { offset, data } = live.writer.append(chunk);
    if (data.length > 0) {
      live.batcher.push(offset, data);
      live.lastLine.push(data);
    }
    if (events.length > 0) this.queueEvents(live, events);
    if (live.writer.needsDrain && !live.paused) {
      live.paused = true;
      live.proc.pause();
    }
  }

  private queueEvents(live: LiveRun, events: AdapterEvent[]): void {
    const wasEmpty = live.pendingEvents.length === 0;
    live.pendingEvents.push(...events);
    if (wasEmpty) live.eventFlush = live.eventFlush.then(() => this.flushEvents(live));
  }

  private async flushEvents(live: LiveRun): Promise<void> {
    await live.claim;
    const batch = live.pendingEvents.splice(0, live.pendingEvents.length);
    if (batch.length === 0) return;
    // One pass over the payload's JSON: storable text, then the agent's secrets redacted.
    const clean = (v: unknown): unknown => {
      if (v === undefined) return v;
      const json = jsonbParam(v);
      return JSON.parse(live.redactor.active ? live.redactor.redactText(json) : json);
    };
    try {
      const rows = batch.map((e) => ({
        id: newId(),
        runId: live.run.id,
        seq: ++live.seq,
        type: storableText(e.type.slice(0, 100)),
        message: e.message === null ? null : storableText(live.redactor.redactText(e.message).slice(0, 4000)),
        payload: (clean(e.payload) ?? null) as unknown,
      }));
      for (let i = 0; i < rows.length; i += 200) await this.ctx.db.insert(heartbeatRunEvents).values(rows.slice(i, i + 200));
    } catch {
      // Structured events are a convenience; the byte log is the record. Never stop a run for them.
    }
  }

  /** Persists the last output line and byte count once a second while output flows. */
  private async saveProgress(live: LiveRun): Promise<void> {
    const line = live.lastLine.get();
    if (line === live.lastLineSaved || this.closed) return;
    live.lastLineSaved = line;
    await live.claim;
    const [row] = await this.ctx.db
      .update(heartbeatRuns)
      .set({ lastOutputLine: line, logBytes: live.writer.bytes, updatedAt: new Date() })
      .where(and(eq(heartbeatRuns.id, live.run.id), eq(heartbeatRuns.status, 'running')))
      .returning()
      .catch(() => [] as RunRow[]);
    if (row) {
      const [dto] = await runDtos(this.ctx.db, [row]);
      this.ctx.events.emit('run.updated', dto);
    }
  }

  // ------------------------------------------------------------------ stop
  private async killGroup(live: LiveRun): Promise<void> {
    await terminateRun(
      { runId: live.run.id, pgid: live.proc.pgid, sid: live.proc.sid, leaderPid: live.proc.pid, leaderStartId: live.proc.startId },
      { graceMs: this.opts.killGraceMs },
    );
  }

  /** Cancels a queued run, or stops a running one (its whole process group) and waits for it. */
  async cancelRun(runId: string, reason: 'cancelled' | 'host_shutdown' = 'cancelled'): Promise<RunDto> {
    const live = this.live.get(runId);
    if (live) {
      if (!live.stopReason) {
        live.stopReason = reason;
        live.stopDetail = reason === 'cancelled' ? 'cancelled by the user' : 'Vigil shut down while the run was active';
      }
      await live.claim;
      await this.killGroup(live);
      await live.finished;
      return loadRunDto(this.ctx.db, runId);
    }
    const [run] = await this.ctx.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, runId));
    if (!run) throw notFound('run', runId);
    if (run.status === 'queued') {
      await this.finishWithoutProcess(run, { status: 'cancelled', errorCode: 'cancelled', error: 'cancelled before it started' });
      return loadRunDto(this.ctx.db, runId);
    }
    if (run.status === 'running') {
      if (run.hostId && run.hostId !== this.ctx.hostId) {
        throw new ContractError('conflict', `run ${runId} is running on another machine (${run.hostId}); cancel it there`);
      }
      // A detached run: its process outlived an earlier host. Stop it only if it is still the same process.
      await terminateRun(runProcessQuery(run), { graceMs: this.opts.killGraceMs });
      await this.finishWithoutProcess(run, { status: 'cancelled', errorCode: 'cancelled', error: 'cancelled by the user' });
      return loadRunDto(this.ctx.db, runId);
    }
    throw new ContractError('conflict', `run ${runId} already ended (${run.status})`);
  }

  // ------------------------------------------------------------------ finalize
  private async finalize(live: LiveRun, exit: PtyExit): Promise<void> {
    const claimed = await live.claim;
    for (const [hash, owner] of this.liveTokens) if (owner === live) this.liveTokens.delete(hash);
    for (const t of live.timers) clearTimeout(t);
    // The redactor's held-back tail is the last live chunk.
    const last = live.writer.end();
    if (last.data.length > 0) {
      live.batcher.push(last.offset, last.data);
      live.lastLine.push(last.data);
    }
    live.batcher.flush();
    const closed = await live.writer.close();
    live.batcher.close();
    this.queueEvents(live, live.parser.end());
    await live.eventFlush;
    if (!claimed) {
      this.live.delete(live.run.id);
      await this.logs.remove(live.run.id).catch(() => 0);
      return;
    }
    // Descendants that outlive the leader (nohup, background jobs) must not leak.
    await this.killGroup(live).catch(() => undefined);
    const result = live.parser.result();
    const outcome = this.outcomeOf(live, exit);
    const run = await this.finishRun(live.run, {
      ...outcome,
      exitCode: exit.exitCode,
      signal: exit.signal,
      logBytes: closed.bytes,
      logSha256: closed.sha256,
      lastOutputLine: live.lastLine.get(),
      sessionId: result.sessionId,
      usage: result.usage,
    });
    this.live.delete(live.run.id);
    if (run) {
      void this.applyRetention(run.agentId);
      if (this.onRunSettled) await this.onRunSettled(run).catch(() => undefined);
    }
    this.pump();
  }

  private outcomeOf(live: LiveRun, exit: PtyExit): { status: RunStatus; errorCode: RunErrorCode | null; error: string | null } {
    const why = live.stopDetail ? live.redactor.redactText(live.stopDetail) : null;
    switch (live.stopReason) {
      case 'cancelled':
        return { status: 'cancelled', errorCode: 'cancelled', error: why };
      case 'host_shutdown':
        return { status: 'cancelled', errorCode: 'host_shutdown', error: why };
      case 'timeout':
        return { status: 'timed_out', errorCode: 'timeout', error: why };
      case 'log_write_failed':
        return { status: 'failed', errorCode: 'log_write_failed', error: `could not write the run log: ${why}` };
      default:
        if (exit.exitCode === 0 && !exit.signal) return { status: 'succeeded', errorCode: null, error: null };
        return {
          status: 'failed',
          errorCode: 'adapter_failed',
          error: exit.signal ? `the agent process was killed by ${exit.signal}` : `the agent process exited with code ${exit.exitCode}`,
        };
    }
  }

  private async finishWithoutProcess(
    run: RunRow,
    outcome: { status: RunStatus; errorCode: RunErrorCode | null; error: string | null },
  ): Promise<void> {
    const done = await this.finishRun(run, { ...outcome, exitCode: null, signal: null });
    if (done && this.onRunSettled) await this.onRunSettled(done).catch(() => undefined);
    this.pump();
  }

  private async failBeforeStart(run: RunRow, errorCode: RunErrorCode, error: string): Promise<void> {
    await this.finishWithoutProcess(run, { status: 'failed', errorCode, error });
  }

  /**
   * The one place a run ends: run row, wakeup, runtime totals, issue hand-back, agent state,
   * all in one transaction; events after commit.
   */
  async finishRun(run: RunRow, outcome: RunOutcome, within?: (tx: Tx, row: RunRow) => Promise<void>): Promise<RunRow | null> {
    const [row] = await this.finishRuns([{ run, outcome }], within && ((tx, rows) => within(tx, rows[0])));
    return row ?? null;
  }

  /**
   * finishRun for many runs in one transaction and a fixed number of statements (per agent for
   * the runtime totals): recovery ends hundreds of lost runs at once. A run that already ended is
   * left alone and missing from the result; `within` sees only the runs ended here.
   */
  async finishRuns(items: { run: RunRow; outcome: RunOutcome }[], within?: (tx: Tx, rows: RunRow[]) => Promise<void>): Promise<RunRow[]> {
    if (items.length === 0) return [];
    const now = new Date();
    const outcomes = new Map(items.map((i) => [i.run.id, i.outcome]));
    const out = await this.ctx.db.transaction(async (tx) => {
      const values = items.map(({ run, outcome: f }) => ({
        id: run.id,
        status: f.status,
        error_code: f.errorCode,
        error: f.error,
        exit_code: f.exitCode,
        signal: f.signal,
        log_bytes: f.logBytes ?? null,
        log_sha256: f.logSha256 ?? null,
        last_output_line: f.lastOutputLine ?? null,
        session_id: f.sessionId || null,
        usage: f.usage ?? null,
      }));
      const rows = await tx
        .update(heartbeatRuns)
        .set({
          status: sql`v.status`,
          errorCode: sql`v.error_code`,
          error: sql`v.error`,
          exitCode: sql`v.exit_code`,
          signal: sql`v.signal`,
          finishedAt: now,
          updatedAt: now,
          logBytes: sql`coalesce(v.log_bytes, ${heartbeatRuns.logBytes})`,
          logSha256: sql`case when v.log_bytes is null then ${heartbeatRuns.logSha256} else v.log_sha256 end`,
          lastOutputLine: sql`coalesce(v.last_output_line, ${heartbeatRuns.lastOutputLine})`,
          sessionId: sql`coalesce(v.session_id, ${heartbeatRuns.sessionId})`,
          usage: sql`coalesce(v.usage, ${heartbeatRuns.usage})`,
        })
        .from(
          sql`jsonb_to_recordset(${jsonbParam(values)}::jsonb) as v(id text, status text, error_code text, error text, exit_code integer, signal text, log_bytes bigint, log_sha256 text, last_output_line text, session_id text, usage jsonb)`,
        )
        .where(and(sql`${heartbeatRuns.id} = v.id`, inArray(heartbeatRuns.status, ['queued', 'running'])))
        .returning(getTableColumns(heartbeatRuns));
      if (rows.length === 0) return null;
      const ended = rows.map((row) => ({ row, f: outcomes.get(row.id)! }));
      const wakeups = ended
        .filter(({ row }) => row.wakeupRequestId)
        .map(({ row, f }) => ({ id: row.wakeupRequestId, status: f.status === 'succeeded' ? 'finished' : f.status === 'cancelled' ? 'cancelled' : 'failed', error: f.error }));
      if (wakeups.length > 0) {
        await tx
          .update(agentWakeupRequests)
          .set({ status: sql`v.status`, finishedAt: now, error: sql`v.error`, updatedAt: now })
          .from(sql`jsonb_to_recordset(${jsonbParam(wakeups)}::jsonb) as v(id text, status text, error text)`)
          .where(sql`${agentWakeupRequests.id} = v.id`);
      }
      await this.updateRuntime(tx, ended, now);
      const comments = await this.handBackIssues(tx, rows, now);
      await tx
        .update(agents)
        .set({ status: 'idle', updatedAt: now })
        .where(
          and(
            inArray(agents.id, [...new Set(rows.map((r) => r.agentId))]),
            eq(agents.status, 'running'),
            sql`not exists (select 1 from ${heartbeatRuns} where ${heartbeatRuns.agentId} = ${agents.id} and ${heartbeatRuns.status} = 'running')`,
          ),
        );
      await appendRunEvents(
        tx,
        ended.map(({ row, f }) => ({
          runId: row.id,
          type: 'finished',
          message: `${f.status}${f.errorCode ? ` (${f.errorCode})` : ''}`,
          payload: { exitCode: f.exitCode, signal: f.signal, errorCode: f.errorCode },
        })),
      );
      if (within) await within(tx, rows);
      await recordActivities(
        tx,
        ended.map(({ row, f }) => ({
          workspaceId: row.workspaceId,
          actor: 'system',
          action: `run.${f.status}`,
          entityType: 'run' as const,
          entityId: row.id,
          details: { errorCode: f.errorCode, exitCode: f.exitCode, issueId: row.issueId },
        })),
      );
      return { rows, comments };
    });
    if (!out) return [];
    for (const row of out.rows) await this.emitRunAndNeighbours(row.id, row.issueId, row.agentId);
    for (const comment of out.comments) this.ctx.events.emit('comment.added', commentDto(comment, null));
    return out.rows;
  }

  /** Run counts, usage, the last run and the per-issue sessions: one upsert per agent. */
  private async updateRuntime(tx: Tx, ended: { row: RunRow; f: RunOutcome }[], now: Date): Promise<void> {
    const perAgent = new Map<string, { last: RunRow; runs: number; failed: number; input: number; output: number; cost: number; sessions: Record<string, string>; forget: string[] }>();
    for (const { row, f } of ended) {
      const a = perAgent.get(row.agentId) ?? { last: row, runs: 0, failed: 0, input: 0, output: 0, cost: 0, sessions: {}, forget: [] };
      const failed = row.status === 'failed' || row.status === 'timed_out';
      a.last = row;
      a.runs++;
      if (failed) a.failed++;
      a.input += f.usage?.inputTokens ?? 0;
      a.output += f.usage?.outputTokens ?? 0;
      a.cost += f.usage?.costUsd ?? 0;
      if (row.issueId && f.sessionId) a.sessions[row.issueId] = storableText(f.sessionId);
      // A failed run that reported no session (e.g. a resume of a session the CLI no longer
      // has) forgets the issue's session, so the next run starts fresh instead of failing again.
      else if (row.issueId && failed) a.forget.push(row.issueId);
      perAgent.set(row.agentId, a);
    }
    for (const [agentId, a] of perAgent) {
      await tx
        .insert(agentRuntimeState)
        .values({
          agentId,
          lastHeartbeatAt: now,
          lastRunId: a.last.id,
          lastRunStatus: a.last.status,
          totalRuns: a.runs,
          failedRuns: a.failed,
          totalInputTokens: a.input,
          totalOutputTokens: a.output,
          totalCostUsd: a.cost,
          sessions: a.sessions,
        })
        .onConflictDoUpdate({
          target: agentRuntimeState.agentId,
          set: {
            lastHeartbeatAt: now,
            lastRunId: a.last.id,
            lastRunStatus: a.last.status,
            totalRuns: sql`${agentRuntimeState.totalRuns} + ${a.runs}`,
            failedRuns: sql`${agentRuntimeState.failedRuns} + ${a.failed}`,
            totalInputTokens: sql`${agentRuntimeState.totalInputTokens} + ${a.input}`,
            totalOutputTokens: sql`${agentRuntimeState.totalOutputTokens} + ${a.output}`,
            totalCostUsd: sql`to_jsonb(coalesce((${agentRuntimeState.totalCostUsd})::text::numeric, 0) + ${a.cost})`,
            sessions: sql`(${agentRuntimeState.sessions} - array(select jsonb_array_elements_text(${jsonbParam(a.forget)}::jsonb))) || ${jsonbParam(a.sessions)}::jsonb`,
            updatedAt: now,
          },
        });
    }
  }

  /**
   * What a run's end means for its issue. The execution slot is released; a success that left
   * the issue in progress goes to review (work to look at, not work to redo); a user's cancel
   * puts it back to todo. Failures stay in progress for recovery's continuation logic.
   */
  private async handBackIssues(tx: Tx, rows: RunRow[], now: Date) {
    const withIssue = rows.filter((r) => r.issueId);
    if (withIssue.length === 0) return [];
    const current = new Map(
      (await tx.select().from(issues).where(inArray(issues.id, [...new Set(withIssue.map((r) => r.issueId!))]))).map((i) => [i.id, i]),
    );
    const toReview = new Map<string, RunRow>();
    const toTodo = new Set<string>();
    for (const row of withIssue) {
      const issue = current.get(row.issueId!);
      if (issue?.status !== 'in_progress' || toReview.has(issue.id) || toTodo.has(issue.id)) continue;
      if (row.status === 'succeeded') toReview.set(issue.id, row);
      else if (row.status === 'cancelled' && row.errorCode === 'cancelled') toTodo.add(issue.id);
    }
    const ids = [...current.keys()];
    if (ids.length === 0) return [];
    await tx
      .update(issues)
      .set({
        executionRunId: sql`case when ${issues.executionRunId} = any(array(select jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::jsonb))) then null else ${issues.executionRunId} end`,
        status: sql`case when ${issues.id} = any(array(select jsonb_array_elements_text(${JSON.stringify([...toReview.keys()])}::jsonb))) then 'in_review'
          when ${issues.id} = any(array(select jsonb_array_elements_text(${JSON.stringify([...toTodo])}::jsonb))) then 'todo' else ${issues.status} end`,
        updatedAt: now,
      })
      .where(inArray(issues.id, ids));
    if (toReview.size === 0) return [];
    return tx
      .insert(issueComments)
      .values(
        [...toReview].map(([issueId, row]) => ({
          id: newId(),
          issueId,
          authorType: 'system',
          runId: row.id,
          body: `Run ${row.id} finished successfully without updating this issue; moved to in_review for a look.`,
        })),
      )
      .returning();
  }

  private async emitRunAndNeighbours(runId: string, issueId: string | null, agentId: string): Promise<void> {
    // Start-up recovery runs before any client is attached: loading DTOs for nobody is waste.
    if (this.ctx.events.size === 0) return;
    const db = this.ctx.db;
    this.ctx.events.emit('run.updated', await loadRunDto(db, runId));
    if (issueId) this.ctx.events.emit('issue.updated', await loadIssueDto(db, issueId).catch(() => null as never));
    this.ctx.events.emit('agent.updated', await loadAgentDto(db, agentId).catch(() => null as never));
  }

  private async loadAdapterIssue(issueId: string): Promise<AdapterIssue | null> {
    const [issue] = await this.ctx.db.select().from(issues).where(eq(issues.id, issueId));
    if (!issue) return null;
    const comments = await this.ctx.db
      .select({ c: issueComments, name: agents.name })
      .from(issueComments)
      .leftJoin(agents, eq(agents.id, issueComments.authorAgentId))
      .where(eq(issueComments.issueId, issueId))
      .orderBy(desc(issueComments.createdAt))
      .limit(10);
    return {
      id: issue.id,
      identifier: issue.identifier,
      title: issue.title,
      body: issue.body,
      status: issue.status,
      comments: comments.reverse().map(({ c, name }) => ({
        authorType: c.authorType as 'agent' | 'user' | 'system',
        authorName: name ?? (c.authorType === 'user' ? 'user' : c.authorType === 'system' ? 'Vigil' : null),
        body: c.body,
        createdAt: c.createdAt.toISOString(),
      })),
    };
  }

  // ------------------------------------------------------------------ retention
  private async applyRetention(agentId: string): Promise<void> {
    try {
      const rows = await this.ctx.db
        .select({ id: heartbeatRuns.id, bytes: heartbeatRuns.logBytes })
        .from(heartbeatRuns)
        .where(and(eq(heartbeatRuns.agentId, agentId), inArray(heartbeatRuns.status, TERMINAL), eq(heartbeatRuns.logPruned, false)))
        .orderBy(desc(heartbeatRuns.createdAt))
        .limit(10_000);
      const prune = selectLogsToPrune(rows, {
        maxRuns: this.opts.logRetention.maxRunsPerAgent,
        maxBytes: this.opts.logRetention.maxBytesPerAgent,
      });
      for (const id of prune) {
        await this.logs.remove(id);
        await this.ctx.db.update(heartbeatRuns).set({ logPruned: true }).where(eq(heartbeatRuns.id, id));
      }
    } catch {
      // Retention is housekeeping: a failure here must never affect runs.
    }
  }

  // ------------------------------------------------------------------ activity & shutdown
  /**
   * The live run a token belongs to, once its start is recorded; null when this host holds no
   * such run (the caller then asks the database) or its claim lost.
   */
  async liveRunOfToken(tokenHash: string): Promise<{ runId: string; agentId: string; issueId: string | null } | null> {
    const live = this.liveTokens.get(tokenHash);
    if (!live || !(await live.claim)) return null;
    return { runId: live.run.id, agentId: live.run.agentId, issueId: live.run.issueId };
  }

  /** An agent reported activity with its run token: feeds the detached watchdog, clears the warning. */
  async reportActivity(runId: string): Promise<RunDto | null> {
    const now = new Date();
    const [row] = await this.ctx.db
      .update(heartbeatRuns)
      .set({
        lastActivityAt: now,
        updatedAt: now,
        errorCode: sql`case when ${heartbeatRuns.errorCode} = 'process_detached' then null else ${heartbeatRuns.errorCode} end`,
        error: sql`case when ${heartbeatRuns.errorCode} = 'process_detached' then null else ${heartbeatRuns.error} end`,
      })
      .where(eq(heartbeatRuns.id, runId))
      .returning();
    if (!row) return null;
    const [dto] = await runDtos(this.ctx.db, [row]);
    this.ctx.events.emit('run.updated', dto);
    return dto;
  }

  /** Clean shutdown: stop every live run's process group, each finalized as host_shutdown. */
  async shutdown(): Promise<number> {
    this.closed = true;
    await this.settled();
    const runs = [...this.live.keys()];
    await Promise.all(runs.map((id) => this.cancelRun(id, 'host_shutdown').catch(() => undefined)));
    return runs.length;
  }
}
