// The heartbeat engine: wakes become queued runs (or pending input of a live one), one gate
// starts them, and each live run is driven through its state machine (run-state.ts) with its
// process and output behind a RunSpawner (run-process.ts). Recovery (src/main/recovery) handles
// what a crash left behind.
import { createHash, randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { RunDto, WakeResultDto } from '../../shared/contract';
import type { InvocationSource, RetryReason, RunErrorCode, RunStatus } from '../../shared/domain';
import { ContractError, notFound } from '../../shared/errors';
import { getAdapter } from '../adapters/index';
import { promptEvent, type AdapterEvent, type OutputParser } from '../adapters/types';
import { agentWakeupRequests, agents, heartbeatRunEvents, heartbeatRuns, issues, type PendingInput } from '../db/schema';
import { jsonbParam, storableText } from '../db/storable-text';
import { Redactor } from '../../node/logs/redactor';
import type { RunLogStore } from '../../node/logs/run-log';
import { terminateRun } from '../../node/process/tree';
import { newId, type ServiceContext, type Tx } from '../services/context';
import { commentDto, runEventDto, secretValuesOf, type AgentRow, type RunRow } from '../services/dto';
import { agentDtos, issueDtos, loadRunDto, loadRunDtos, runDtos } from '../services/lookup';
import { loadAdapterIssue } from './adapter-issue';
import { retryUntilLanded, type Retrying } from './durable';
import { applyLogRetention } from './log-retention';
import { insertQueuedRun, lockAgent, moveExecution } from './queue';
import { buildRunEnv } from './run-env';
import { localPtySpawner, RunOutput, type RunExit, type RunHandle, type RunOutputEnd, type RunSpawner } from './run-process';
import { runProcessQuery } from './run-processes';
import { WorkspaceError } from '../workspaces/worktree';
import type { RunWorkspace } from '../workspaces/issue-workspaces';
import { addPendingInput, adoptRun, claimRun, endRuns, LIVE_STATUSES, markRunning, recordSession, type EndItem, type RunOutcome, type RunOwner } from './run-state';

export type { RunOutcome } from './run-state';

export interface EngineOptions {
  maxConcurrentRuns: number;
  killGraceMs: number;
  cliPath: string | null;
  hostSecretEnv: string[];
  logRetention: { maxRunsPerAgent: number; maxBytesPerAgent: number };
  /** Who starts run processes (default: ptys owned by this process). */
  spawner?: RunSpawner;
  /** The scheduler's safety net: it also runs this often whatever happened (default 30 s). */
  safetyPumpMs?: number;
  /** How long a clean shutdown keeps trying to record the end of its runs (database away). */
  shutdownLandMs?: number;
  /** The issue's git worktree a run works in, for agents with `workspace: worktree`. */
  workspaces?: { forRun(run: RunRow, agent: AgentRow): Promise<RunWorkspace | null> };
}

export interface WakeInput {
  source: InvocationSource;
  reason: string;
  triggerDetail?: string;
  issueId?: string | null;
  /** The comment that caused the wake: kept with the run (and its retries) for the prompt. */
  commentId?: string | null;
  retryReason?: RetryReason | null;
  retryOfRunId?: string | null;
  processLossRetryCount?: number;
}

type StopReason = 'cancelled' | 'timeout' | 'host_shutdown' | 'log_write_failed';

/** A run this host claimed, from its claim until its end is durable. */
interface LiveRun {
  run: RunRow;
  agent: AgentRow;
  redactor: Redactor;
  handle: RunHandle | null;
  output: RunOutput | null;
  stopReason: StopReason | null;
  stopDetail: string | null;
  /** Resolves once markRunning landed (true) or cannot any more (false). */
  started: Promise<boolean>;
  exited: boolean;
  seq: number;
  pendingEvents: AdapterEvent[];
  eventFlush: Promise<void>;
  sessionWrite: Promise<void>;
  timers: NodeJS.Timeout[];
  /** Resolves when the run's end is durable (or it was never this host's). */
  finished: Promise<void>;
  lastLineSaved: string | null;
  /** What the adapter's command told the agent; the run's first event once it is marked running. */
  prompt?: string;
}

/** Wakes that bring something for the agent to read; a timer or automation wake during a run adds nothing. */
const INPUT_SOURCES: InvocationSource[] = ['on_demand', 'assignment'];
/** How long after a run's end its agent's logs are pruned (see scheduleRetention). */
const RETENTION_DELAY_MS = 2000;

export class HeartbeatEngine {
  private readonly live = new Map<string, LiveRun>();
  /** Run-token hash -> live run, so an agent calling back is known without a query. */
  private readonly liveTokens = new Map<string, LiveRun>();
  private readonly spawner: RunSpawner;
  private readonly owner: RunOwner;
  private readonly retrying: Retrying;
  private started = false;
  private pumping = false;
  private pumpAgain = false;
  private closed = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private safetyTimer: NodeJS.Timeout | null = null;
  private readonly retentionTimers = new Map<string, NodeJS.Timeout>();
  /** Follow-ups (escalations, continuations) a finished run asks of recovery. */
  onRunSettled: ((run: RunRow) => Promise<void>) | null = null;
  /** Runs whose pty host died under them left the live map: recovery judges them now. */
  onRunsLost: (() => void) | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly logs: RunLogStore,
    private readonly opts: EngineOptions,
  ) {
    this.spawner = opts.spawner ?? localPtySpawner(logs);
    this.owner = { hostId: ctx.hostId, hostInstanceId: ctx.hostInstanceId };
    this.retrying = { stopped: false, notice: (message) => ctx.events.emit('host.notice', { level: 'error', message }) };
  }

  /** True once shutdown began: settled runs must not queue follow-ups then. */
  get closing(): boolean {
    return this.closed;
  }

  /** Whether this host holds the run (claimed, not yet durably ended). */
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
          payload: { ...(issueId ? { issueId } : {}), ...(input.commentId ? { commentId: input.commentId } : {}) },
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
      // Twice at most: a live run whose end commits while we look has become a queued follow-up or nothing.
      for (let attempt = 0; attempt < 2; attempt++) {
        const active = await this.activeRunOf(tx, agentId, issueId);
        if (!active) break;
        if (active.status !== 'queued' && INPUT_SOURCES.includes(input.source)) {
          const pending: PendingInput = { source: input.source, reason: input.reason, at: new Date().toISOString(), ...(input.commentId ? { commentId: input.commentId } : {}) };
          if (!(await addPendingInput(tx, active.id, pending))) continue;
        }
        const id = await recordSettledWake('coalesced', { runId: active.id });
        if (active.wakeupRequestId) {
          await tx
            .update(agentWakeupRequests)
            .set({ coalescedCount: sql`${agentWakeupRequests.coalescedCount} + 1`, updatedAt: new Date() })
            .where(eq(agentWakeupRequests.id, active.wakeupRequestId));
        }
        const how = active.status === 'queued' ? 'coalesced into queued' : `kept for a follow-up of ${active.status}`;
        return { wakeupId: id, status: 'coalesced' as const, runId: active.id, reason: `${how} run ${active.id}` };
      }
      const run = await insertQueuedRun(tx, {
        workspaceId: agent.workspaceId,
        agentId,
        source: input.source,
        triggerDetail: detail,
        reason: input.reason,
        issueId,
        retryReason: input.retryReason ?? null,
        retryOfRunId: input.retryOfRunId ?? null,
        processLossRetryCount: input.processLossRetryCount ?? 0,
        extraContext: input.commentId ? { commentId: input.commentId } : undefined,
      });
      if (issueId && input.retryOfRunId) await moveExecution(tx, issueId, run.id);
      return { wakeupId: run.wakeupId, status: 'queued' as const, runId: run.id, reason: null };
    });
    if (result.runId && result.status === 'queued') {
      // run.created before the scheduler can tell of the run's start (a pooled server runs both at once).
      if (this.ctx.events.listens('run.created')) this.ctx.events.emit('run.created', await loadRunDto(this.ctx.db, result.runId));
      this.pump();
    }
    return result;
  }

  private async activeRunOf(tx: Tx, agentId: string, issueId: string | null): Promise<RunRow | undefined> {
    const [active] = await tx
      .select()
      .from(heartbeatRuns)
      .where(
        and(
          eq(heartbeatRuns.agentId, agentId),
          inArray(heartbeatRuns.status, ['queued', ...LIVE_STATUSES]),
          issueId ? eq(heartbeatRuns.issueId, issueId) : isNull(heartbeatRuns.issueId),
        ),
      )
      // A queued run first: it has not started, so it will read the new input anyway.
      .orderBy(sql`case when ${heartbeatRuns.status} = 'queued' then 0 else 1 end`, asc(heartbeatRuns.createdAt))
      .limit(1);
    return active;
  }

  // ------------------------------------------------------------------ the gate
  /** Opens the gate: until then runs are only queued (start-up recovery runs before it). */
  start(): void {
    this.started = true;
    const every = this.opts.safetyPumpMs ?? 30_000;
    if (every > 0) {
      this.safetyTimer = setInterval(() => this.pump(), every);
      this.safetyTimer.unref();
    }
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
    let rounds = 0;
    do {
      this.pumpAgain = false;
      if (this.closed) return;
      const capacity = this.opts.maxConcurrentRuns - this.live.size;
      if (capacity <= 0) return;
      const startable = await this.startableRuns(capacity);
      let lost = 0;
      for (const { run, agent } of startable) {
        if (this.closed || this.live.size >= this.opts.maxConcurrentRuns) break;
        if (!(await this.startRun(run, agent))) lost++;
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
          and (a.machine_id = ${this.ctx.hostId} or a.machine_id is null)
      ) ranked
      join agents a on a.id = ranked.agent_id
      where ranked.rn <= coalesce((a.runtime_config->>'maxConcurrentRuns')::int, 1)
        - (select count(*) from heartbeat_runs l where l.agent_id = ranked.agent_id and l.status in ('starting', 'running'))
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

  // ------------------------------------------------------------------ start
  /**
   * Claims the run, then (only then) spawns its process and marks it running. False when the
   * claim was lost (another host, a cancel, a full agent).
   */
  private async startRun(queued: RunRow, agent: AgentRow): Promise<boolean> {
    const ctx = this.ctx;
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    let settle!: () => void;
    const forgetToken = () => this.liveTokens.delete(tokenHash);
    const live: LiveRun = {
      run: queued,
      agent,
      redactor: new Redactor([...secretValuesOf(agent.env, agent.envPublic), token]),
      handle: null,
      output: null,
      stopReason: null,
      stopDetail: null,
      started: Promise.resolve(false),
      exited: false,
      seq: 0,
      pendingEvents: [],
      eventFlush: Promise.resolve(),
      sessionWrite: Promise.resolve(),
      timers: [],
      finished: new Promise<void>((resolve) => (settle = resolve)),
      lastLineSaved: null,
    };
    // In the live map before the claim commits: recovery on this host never judges a run it is starting.
    this.live.set(queued.id, live);
    let claim: Awaited<ReturnType<typeof claimRun>>;
    try {
      claim = await claimRun(ctx.db, queued, this.owner, { tokenHash, logPath: this.logs.pathOf(queued.id) });
    } catch (err) {
      this.live.delete(queued.id);
      settle();
      throw err;
    }
    if (!claim) {
      this.live.delete(queued.id);
      settle();
      return false;
    }
    const claimed = claim.row;
    live.run = claimed;
    this.liveTokens.set(tokenHash, live);
    const done = (work: Promise<unknown>) =>
      void work.finally(() => {
        forgetToken();
        this.live.delete(claimed.id);
        settle();
        this.pump();
      });
    try {
      const handle = await this.spawn(live, token, claim.resumeSessionId);
      if (!handle) {
        forgetToken();
        done(this.endLive(live, { status: 'cancelled', errorCode: live.stopReason === 'host_shutdown' ? 'host_shutdown' : 'cancelled', error: live.stopDetail, exitCode: null, signal: null }));
        return true;
      }
      live.handle = handle;
      this.watchHandle(live, handle, forgetToken, done);
      live.started = this.markStarted(live, handle);
      if (live.prompt) this.queueEvents(live, [promptEvent(live.prompt)]);
      // A cancel (or shutdown) that came while the process was being started: stop it now.
      if (live.stopReason) void this.stopProcess(live);
    } catch (err) {
      forgetToken();
      const message = live.redactor.redactText(err instanceof Error ? err.message : String(err));
      // A missing executable or folder (SpawnError) or any other refusal: the run never started.
      const errorCode = err instanceof WorkspaceError ? 'workspace_failed' : 'spawn_failed';
      done(this.endLive(live, { status: 'failed', errorCode, error: message, exitCode: null, signal: null }));
      return true;
    }
    this.armTimers(live);
    return true;
  }

  /** Builds the command and spawns it; null when the run was stopped before its process could start. */
  private async spawn(live: LiveRun, token: string, resumeSessionId: string | null): Promise<RunHandle | null> {
    const { run, agent } = live;
    const ctx = this.ctx;
    // A read that fails for the database's sake is retried: it is no reason to fail the run.
    const issueId = run.issueId;
    const loaded = issueId
      ? await retryUntilLanded(this.retrying, `reading the issue of run ${run.id}`, () => loadAdapterIssue(ctx.db, issueId, run.contextSnapshot), () => !!live.stopReason)
      : { issue: null, input: undefined };
    if (!loaded) return null;
    const { issue, input } = loaded;
    const snapshot = run.contextSnapshot;
    const wakeReason = typeof snapshot.wakeReason === 'string' ? snapshot.wakeReason : null;
    const env = buildRunEnv({
      base: process.env,
      agentEnv: agent.env,
      runId: run.id,
      agentId: agent.id,
      issueId: run.issueId,
      issueIdentifier: issue?.identifier ?? null,
      wakeReason,
      dataDir: ctx.dataDir,
      runToken: token,
      cliPath: this.opts.cliPath,
      hostSecretEnv: this.opts.hostSecretEnv,
    });
    const adapterType = agent.adapterType as Parameters<typeof getAdapter>[0];
    const adapter = getAdapter(adapterType);
    const workspace = (await this.opts.workspaces?.forRun(run, agent)) ?? null;
    const command = adapter.buildCommand({
      runId: run.id,
      agent: {
        id: agent.id,
        name: agent.name,
        adapterType,
        command: agent.adapterConfig.command ?? null,
        cwd: workspace?.cwd ?? agent.adapterConfig.cwd ?? null,
        model: agent.adapterConfig.model ?? null,
        args: agent.adapterConfig.args ?? [],
      },
      issue,
      wakeReason,
      retryReason: typeof snapshot.retryReason === 'string' ? snapshot.retryReason : null,
      resumeSessionId: run.issueId ? resumeSessionId : null,
      input,
      workspace,
      env,
      defaultCwd: homedir(),
    });
    // A cancel (or shutdown) that came while the run was being claimed: its process never starts.
    if (live.stopReason) return null;
    const handle = await this.spawner.spawn(
      run.id,
      { file: command.file, args: command.args, cwd: command.cwd, env: command.env, cols: 160, rows: 48 },
      [...secretValuesOf(agent.env, agent.envPublic), token],
    );
    live.prompt = command.prompt;
    live.output = this.outputOf(live, handle, adapter.createParser(), 0);
    return handle;
  }

  /** The host's end of a run's output path: parser, events, session, live output, log failures. */
  private outputOf(live: LiveRun, handle: RunHandle, parser: OutputParser, handledThrough: number): RunOutput {
    const ctx = this.ctx;
    const runId = live.run.id;
    handle.onLogError((message) => {
      if (live.stopReason) return;
      live.stopReason = 'log_write_failed';
      live.stopDetail = message;
      void this.stopProcess(live);
    });
    return new RunOutput(
      handle,
      parser,
      {
        emitOutput: (offset, data) => ctx.events.emit('run.output', { runId, offset, data: data.toString('base64') }),
        outputListened: () => ctx.events.listens('run.output'),
        redactLine: (text) => live.redactor.redactText(text),
        onEvents: (events) => this.queueEvents(live, events),
        onSession: (sessionId) => {
          live.sessionWrite = live.sessionWrite.then(async () => {
            await retryUntilLanded(this.retrying, `recording the session of run ${runId}`, () => recordSession(ctx.db, live.run, sessionId), () => live.exited);
          });
        },
      },
      handledThrough,
    );
  }

  /** The handle's end: finalized on exit; on a loss (the pty host died) the run is recovery's. */
  private watchHandle(live: LiveRun, handle: RunHandle, forgetToken: () => void, done: (work: Promise<unknown>) => void): void {
    handle.onExit((exit) => {
      // Its token dies with its process: nothing may act for the run once it is being ended.
      forgetToken();
      done(this.finalize(live, exit));
    });
    handle.onLost(() => {
      if (live.exited) return;
      live.exited = true;
      forgetToken();
      for (const t of live.timers) clearTimeout(t);
      // Out of the live map, the run is an orphan of this host: recovery judges it by its process.
      done(Promise.resolve());
      this.onRunsLost?.();
    });
  }

  /** starting -> running, retried until it lands (database away) or the process is gone. */
  private async markStarted(live: LiveRun, handle: RunHandle): Promise<boolean> {
    const marked = await retryUntilLanded(
      this.retrying,
      `recording the start of run ${live.run.id}`,
      () => markRunning(this.ctx.db, live.run, handle),
      () => live.exited,
    );
    if (!marked) return false;
    live.run = marked.row;
    live.seq = marked.seq;
    // The row is what the statement just wrote: no need to read it back.
    await this.emitRunsAndNeighbours([live.run], { fresh: true }).catch(() => undefined);
    return true;
  }

  /** `elapsedMs`: how long the run has been going already (one taken back after a restart). */
  private armTimers(live: LiveRun, elapsedMs = 0): void {
    const timeoutSec = live.agent.runtimeConfig.timeoutSec;
    if (timeoutSec) {
      live.timers.push(
        setTimeout(() => {
          if (live.stopReason) return;
          live.stopReason = 'timeout';
          live.stopDetail = `the run exceeded its timeout of ${timeoutSec}s`;
          void this.stopProcess(live);
        }, Math.max(0, timeoutSec * 1000 - elapsedMs)),
      );
    }
    live.timers.push(setInterval(() => void this.saveProgress(live), 1000));
  }

  // ------------------------------------------------------------------ reattach
  /**
   * Takes back a live run whose process outlived the previous host (in the pty host): it stays
   * live with no error and no retry, owned by this host from now on. `handle` streams its log
   * from offset 0: bytes below the run's recorded byte count rebuild the parser (their events
   * were stored), later ones are handled as new. A run whose agent ended meanwhile is finalized
   * as soon as its exit arrives, with its real exit code. False when the run is not this host's
   * to take (ended or taken meanwhile): the caller stops the process.
   */
  async adopt(run: RunRow, handle: RunHandle): Promise<boolean> {
    const db = this.ctx.db;
    const [agent] = await db.select().from(agents).where(eq(agents.id, run.agentId));
    const adopted = agent ? await adoptRun(db, run, this.owner) : null;
    if (!agent || !adopted) return false;
    const [{ seq }] = await db
      .select({ seq: sql<number>`coalesce(max(${heartbeatRunEvents.seq}), 0)::int` })
      .from(heartbeatRunEvents)
      .where(eq(heartbeatRunEvents.runId, run.id));
    let settle!: () => void;
    const live: LiveRun = {
      run: adopted,
      agent,
      // The log's bytes were redacted by the pty host, the run token included; events get the agent's secrets masked again.
      redactor: new Redactor(secretValuesOf(agent.env, agent.envPublic)),
      handle,
      output: null,
      stopReason: null,
      stopDetail: null,
      started: Promise.resolve(true),
      exited: false,
      seq: Number(seq),
      pendingEvents: [],
      eventFlush: Promise.resolve(),
      sessionWrite: Promise.resolve(),
      timers: [],
      finished: new Promise<void>((resolve) => (settle = resolve)),
      lastLineSaved: adopted.lastOutputLine,
    };
    this.live.set(run.id, live);
    const tokenHash = adopted.runTokenHash;
    if (tokenHash) this.liveTokens.set(tokenHash, live);
    const forgetToken = () => {
      if (tokenHash && this.liveTokens.get(tokenHash) === live) this.liveTokens.delete(tokenHash);
    };
    const done = (work: Promise<unknown>) =>
      void work.finally(() => {
        forgetToken();
        this.live.delete(run.id);
        settle();
        this.pump();
      });
    const adapter = getAdapter(agent.adapterType as Parameters<typeof getAdapter>[0]);
    live.output = this.outputOf(live, handle, adapter.createParser(), adopted.logBytes);
    this.watchHandle(live, handle, forgetToken, done);
    // Claimed, spawned, but the host died before it recorded the process: record it now.
    if (adopted.status === 'starting') live.started = this.markStarted(live, handle);
    else await this.emitRunsAndNeighbours([run]);
    this.armTimers(live, adopted.startedAt ? Date.now() - adopted.startedAt.getTime() : 0);
    return true;
  }

  // ------------------------------------------------------------------ the output's side effects
  private queueEvents(live: LiveRun, events: AdapterEvent[]): void {
    const wasEmpty = live.pendingEvents.length === 0;
    live.pendingEvents.push(...events);
    if (wasEmpty) live.eventFlush = live.eventFlush.then(() => this.flushEvents(live));
  }

  private async flushEvents(live: LiveRun): Promise<void> {
    // Numbered after the started event.
    if (!(await live.started)) return;
    const batch = live.pendingEvents.splice(0, live.pendingEvents.length);
    if (batch.length === 0) return;
    // Every event of the log's bytes below this offset is in this batch or an earlier one.
    const through = live.output?.logBytes ?? 0;
    // One pass over the payload's JSON: storable text, then the agent's secrets redacted.
    const clean = (v: unknown): unknown => {
      if (v === undefined) return v;
      const json = jsonbParam(v);
      return live.redactor.redactJson(json);
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
      // With the offset they were parsed through, in one transaction: a host that takes the run
      // back (after a crash) parses from there on for new events, none lost, none twice.
      const inserted = await this.ctx.db.transaction(async (tx) => {
        const stored = [];
        for (let i = 0; i < rows.length; i += 200) stored.push(...(await tx.insert(heartbeatRunEvents).values(rows.slice(i, i + 200)).returning()));
        await tx
          .update(heartbeatRuns)
          .set({ logBytes: sql`greatest(${heartbeatRuns.logBytes}, ${through})` })
          .where(eq(heartbeatRuns.id, live.run.id));
        return stored;
      });
      // The transcript grows from these, pushed: no client polls for events.
      if (this.ctx.events.listens('run.event')) this.ctx.events.emit('run.event', { runId: live.run.id, events: inserted.map(runEventDto) });
    } catch {
      // Structured events are a convenience; the byte log is the record. Never stop a run for them.
    }
  }

  /** Persists the last output line and byte count once a second while output flows. */
  private async saveProgress(live: LiveRun): Promise<void> {
    const output = live.output;
    if (!output || this.closed) return;
    const line = output.lastOutputLine;
    if (line === live.lastLineSaved) return;
    live.lastLineSaved = line;
    if (!(await live.started)) return;
    // The byte count is also where a host taking the run back starts parsing for new events:
    // recorded only once the events of those bytes are stored.
    const through = output.logBytes;
    await live.eventFlush;
    const [row] = await this.ctx.db
      .update(heartbeatRuns)
      .set({ lastOutputLine: line, logBytes: sql`greatest(${heartbeatRuns.logBytes}, ${through})`, updatedAt: new Date() })
      .where(and(eq(heartbeatRuns.id, live.run.id), eq(heartbeatRuns.status, 'running')))
      .returning()
      .catch(() => [] as RunRow[]);
    if (row) {
      const [dto] = await runDtos(this.ctx.db, [row]);
      this.ctx.events.emit('run.updated', dto);
    }
  }

  // ------------------------------------------------------------------ stop
  private async stopProcess(live: LiveRun): Promise<void> {
    await live.handle?.terminate(this.opts.killGraceMs);
  }

  /** Cancels a queued run, or stops a live one (its whole process group) and waits for its end. */
  async cancelRun(runId: string, reason: 'cancelled' | 'host_shutdown' = 'cancelled'): Promise<RunDto> {
    const live = this.live.get(runId);
    if (live) {
      if (!live.stopReason) {
        live.stopReason = reason;
        live.stopDetail = reason === 'cancelled' ? 'cancelled by the user' : 'Vigil shut down while the run was active';
      }
      await this.stopProcess(live);
      await live.finished;
      return loadRunDto(this.ctx.db, runId);
    }
    const [run] = await this.ctx.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.id, runId));
    if (!run) throw notFound('run', runId);
    if (run.status === 'queued') {
      await this.finishWithoutProcess(run, { status: 'cancelled', errorCode: 'cancelled', error: 'cancelled before it started' });
      // Claimed meanwhile: by this host (wait for it) or another.
      if (this.live.has(runId)) return this.cancelRun(runId, reason);
      return loadRunDto(this.ctx.db, runId);
    }
    if (run.status === 'starting' || run.status === 'running') {
      // The runs.cancel service asks the owner's host (team mode); reaching here means a caller skipped it.
      if (run.hostId && run.hostId !== this.ctx.hostId) {
        throw new ContractError('conflict', `run ${runId} is running on another machine (${run.hostId}): only that machine's Vigil can stop it`);
      }
      // Another host instance on this machine, or a detached run whose process outlived an
      // earlier host: stop it only if it is still the same process (or carries the run's cookie).
      await terminateRun(runProcessQuery(run), { graceMs: this.opts.killGraceMs });
      await this.finishWithoutProcess(run, { status: 'cancelled', errorCode: 'cancelled', error: 'cancelled by the user' });
      return loadRunDto(this.ctx.db, runId);
    }
    throw new ContractError('conflict', `run ${runId} already ended (${run.status})`);
  }

  // ------------------------------------------------------------------ finalize
  private async finalize(live: LiveRun, exit: RunExit): Promise<void> {
    live.exited = true;
    for (const t of live.timers) clearTimeout(t);
    // The log could not be written while no host listened: the run failed for it.
    if (!live.stopReason && exit.logError) {
      live.stopReason = 'log_write_failed';
      live.stopDetail = exit.logError;
    }
    // Nothing before the end may keep the end from being recorded.
    let end: RunOutputEnd | null = null;
    try {
      end = live.output!.end(exit);
    } catch {
      end = null;
    }
    await live.eventFlush.catch(() => undefined);
    // Descendants that outlive the leader (nohup, background jobs) must not leak.
    await this.stopProcess(live).catch(() => undefined);
    await live.started.catch(() => false);
    await live.sessionWrite.catch(() => undefined);
    const outcome = this.outcomeOf(live, exit);
    await this.endLive(live, {
      ...outcome,
      exitCode: exit.exitCode,
      signal: exit.signal,
      ...(end && {
        logBytes: end.logBytes,
        logSha256: end.logSha256,
        lastOutputLine: end.lastOutputLine,
        sessionId: end.result.sessionId,
        sessionUnknown: end.result.sessionUnknown,
        usage: end.result.usage,
      }),
    });
    // Recorded (or ended by someone else): whoever holds the pty may forget the run. Given up at
    // shutdown with the database away, it stays there for the next host to finalize.
    if (!this.retrying.stopped) live.handle?.acknowledge();
  }

  /**
   * Ends a run this host holds, retried with backoff until the end is durable: a database outage
   * must never leave a row live without its owner. The run stays in the live map meanwhile.
   */
  private async endLive(live: LiveRun, outcome: RunOutcome): Promise<RunRow | null> {
    const item: EndItem = { run: live.run, outcome, from: LIVE_STATUSES };
    const run = await retryUntilLanded(this.retrying, `finalizing run ${live.run.id}`, () => this.finishRuns([item]).then((rows) => rows[0] ?? null), () => false);
    if (!run) return null;
    this.scheduleRetention(run.agentId);
    if (this.onRunSettled) await this.onRunSettled(run).catch(() => undefined);
    return run;
  }

  /**
   * Log retention for an agent, a little after its run ended: one pass for the runs that end
   * close together, and not on the path where the next wake of the agent waits for the database.
   */
  /** Pending passes are dropped at close: the next start's first run ends prune those logs. */
  private clearRetention(): void {
    for (const t of this.retentionTimers.values()) clearTimeout(t);
    this.retentionTimers.clear();
  }

  private scheduleRetention(agentId: string): void {
    if (this.retentionTimers.has(agentId) || this.closed) return;
    const timer = setTimeout(() => {
      this.retentionTimers.delete(agentId);
      void applyLogRetention(this.ctx.db, this.logs, agentId, this.ctx.hostId, this.opts.logRetention);
    }, RETENTION_DELAY_MS);
    timer.unref();
    this.retentionTimers.set(agentId, timer);
  }

  private outcomeOf(live: LiveRun, exit: RunExit): { status: RunStatus; errorCode: RunErrorCode | null; error: string | null } {
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
  }

  /** Ends one run (see run-state.ts endRuns); null when it was no longer in the status read. */
  async finishRun(run: RunRow, outcome: RunOutcome, within?: (tx: Tx, row: RunRow) => Promise<void>): Promise<RunRow | null> {
    const [row] = await this.finishRuns([{ run, outcome }], within && ((tx, rows) => within(tx, rows[0])));
    return row ?? null;
  }

  /**
   * Ends many runs in one transaction (run-state.ts endRuns), then tells listeners and runs the
   * scheduler: every end frees a slot, and may have queued a follow-up or a retry.
   */
  async finishRuns(items: EndItem[], within?: (tx: Tx, rows: RunRow[]) => Promise<void>): Promise<RunRow[]> {
    const out = await endRuns(this.ctx.db, items, within);
    if (!out) return [];
    this.pump();
    // Committed: telling listeners is best effort (the database may have gone away just now).
    try {
      await this.emitRunsAndNeighbours(out.rows, { fresh: true });
      for (const comment of out.comments) this.ctx.events.emit('comment.added', commentDto(comment, null));
      if (this.ctx.events.listens('run.created') && out.followUps.length > 0) {
        for (const dto of await loadRunDtos(this.ctx.db, out.followUps.map((r) => r.id))) this.ctx.events.emit('run.created', dto);
      }
    } catch {
      /* the rows are right; clients refresh on their next read */
    }
    return out.rows;
  }

  /**
   * run.updated for each run (read back as committed, unless `fresh`: the rows are what was just
   * written), then issue.updated and agent.updated once
   * for each issue and agent they touch: a few statements however many runs (recovery ends
   * hundreds at once), none for an event nobody listens to.
   */
  private async emitRunsAndNeighbours(runs: RunRow[], opts: { fresh?: boolean } = {}): Promise<void> {
    const { db, events } = this.ctx;
    if (runs.length === 0) return;
    if (opts.fresh && events.listens('run.updated')) {
      for (const dto of await runDtos(db, runs)) events.emit('run.updated', dto);
    } else if (events.listens('run.updated')) {
      const rows = new Map((await db.select().from(heartbeatRuns).where(inArray(heartbeatRuns.id, runs.map((r) => r.id)))).map((r) => [r.id, r]));
      const ordered = runs.map((r) => rows.get(r.id)).filter((r): r is RunRow => !!r);
      for (const dto of await runDtos(db, ordered)) events.emit('run.updated', dto);
    }
    const issueIds = [...new Set(runs.map((r) => r.issueId).filter((id): id is string => !!id))];
    if (issueIds.length > 0 && events.listens('issue.updated')) {
      for (const dto of await issueDtos(db, await db.select().from(issues).where(inArray(issues.id, issueIds)))) events.emit('issue.updated', dto);
    }
    if (events.listens('agent.updated')) {
      const agentIds = [...new Set(runs.map((r) => r.agentId))];
      for (const dto of await agentDtos(db, await db.select().from(agents).where(inArray(agents.id, agentIds)))) events.emit('agent.updated', dto);
    }
  }

  // ------------------------------------------------------------------ activity & shutdown
  /** The live run a token belongs to (its claim recorded it); null when this host holds no such run. */
  async liveRunOfToken(tokenHash: string): Promise<{ runId: string; agentId: string; issueId: string | null } | null> {
    const live = this.liveTokens.get(tokenHash);
    if (!live) return null;
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

  /**
   * A planned restart (`--keep-agents`): this host stops working but leaves its runs live, their
   * processes in the pty host for the next host to take back. Returns how many were left.
   */
  async leave(): Promise<number> {
    this.closed = true;
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    this.clearRetention();
    await this.settled();
    const runs = [...this.live.values()];
    for (const live of runs) for (const t of live.timers) clearTimeout(t);
    // What was parsed is stored, so the next host parses on from the right offset.
    await Promise.all(runs.map((live) => live.eventFlush));
    return runs.length;
  }

  /**
   * Clean shutdown: stop every live run's process group, each ended as host_shutdown; waits
   * (bounded by shutdownLandMs) until those ends are durable, so none is left running.
   */
  async shutdown(): Promise<number> {
    this.closed = true;
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    this.clearRetention();
    await this.settled();
    const runs = [...this.live.values()];
    const stopped = Promise.all(runs.map((live) => this.cancelRun(live.run.id, 'host_shutdown').catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.shutdownLandMs ?? 60_000)));
    await Promise.race([stopped, bound]);
    clearTimeout(timer);
    // Whatever could not land is left to the next start's recovery (its owner is gone then).
    this.retrying.stopped = true;
    return runs.length;
  }
}
