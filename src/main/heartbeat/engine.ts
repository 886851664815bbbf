// The heartbeat engine, a coordinator: wakes become queued runs (wakes.ts), one gate starts them
// (gate.ts), each run this host holds lives as a LiveRun (live-run.ts) whose durable steps are
// run-state.ts's, and listeners hear of it through the notifier. Its process and output sit
// behind a RunSpawner (run-process.ts). Recovery (src/main/recovery) handles what a crash left
// behind and decides what follows a run's end (the RunEndPolicy given at construction).
import { createHash, randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { RunDto, WakeResultDto } from '../../shared/contract';
import { isLiveStatus, type RunErrorCode, type RunStatus } from '../../shared/domain';
import { ContractError, notFound } from '../../shared/errors';
import { agents, heartbeatRunEvents, heartbeatRuns } from '../db/schema';
import type { RunLogStore } from '../../node/logs/run-log';
import { terminateRun } from '../../node/process/tree';
import type { ServiceContext, Tx } from '../context';
import { logFailure } from '../host-log';
import { secretValuesOf, type AgentRow, type RunRow } from '../views/dto';
import { loadRunDto, runDtos } from '../views/lookup';
import type { AdapterEvent } from '../adapters/types';
import { WorkspaceError } from '../workspaces/worktree';
import type { Retrying } from './durable';
import { retryUntilLanded } from './durable';
import { Gate } from './gate';
import { LiveRun, type LiveRunHost } from './live-run';
import { ProgressSaver } from './progress-saver';
import { RetentionTimers } from './log-retention';
import { Notifier } from './notifier';
import { buildRunCommand, parserOf, type CommandOptions } from './run-command';
import { localPtySpawner, type RunSession, type RunSpawner } from './run-process';
import { runProcessQuery } from './run-processes';
import { adoptRun, claimRun, endRuns, LIVE_STATUSES, noteActivity, type EndItem, type RunOutcome, type RunOwner } from './run-state';
import { recordWake, type WakeInput } from './wakes';
import type { RunLimitsHook } from '../budgets/run-limits';

export type { RunOutcome } from './run-state';
export type { WakeInput } from './wakes';

export interface EngineOptions extends CommandOptions {
  maxConcurrentRuns: number;
  killGraceMs: number;
  logRetention: { maxRunsPerAgent: number; maxBytesPerAgent: number };
  /** Who starts run processes (default: ptys owned by this process). */
  spawner?: RunSpawner;
  /** The scheduler's safety net: it also runs this often whatever happened (default 30 s). */
  safetyPumpMs?: number;
  /** How long a clean shutdown keeps trying to record the end of its runs (database away). */
  shutdownLandMs?: number;
  /** Budgets and usage windows (src/main/budgets): checked during each run, asked before a wake. */
  limits?: RunLimitsHook;
}

/** What follows runs' ends and losses (recovery implements it); given to the engine at construction. */
export interface RunEndPolicy {
  /** A run ended (by this host, a cancel, or recovery): its follow-ups (escalation, one continuation). */
  settled(run: RunRow): Promise<void>;
  /**
   * Runs whose pty host died left this host's hands: their terminals are gone, so whatever of
   * them still runs is stopped (never watched headless) and they are judged now.
   */
  runsLost(runIds: string[]): void;
}

const NO_POLICY: RunEndPolicy = { settled: async () => undefined, runsLost: () => undefined };

export class HeartbeatEngine {
  private readonly live = new Map<string, LiveRun>();
  /** Run-token hash -> live run, so an agent calling back is known without a query. */
  private readonly liveTokens = new Map<string, LiveRun>();
  private readonly spawner: RunSpawner;
  private readonly owner: RunOwner;
  private readonly retrying: Retrying;
  private readonly notifier: Notifier;
  private readonly gate: Gate;
  private readonly retention: RetentionTimers;
  private readonly progress: ProgressSaver;
  private readonly policy: RunEndPolicy;
  private readonly runHost: LiveRunHost;
  private closed = false;

  /** `policy`: built with the engine (recovery needs the engine, the engine its policy). */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly logs: RunLogStore,
    private readonly opts: EngineOptions,
    policy?: (engine: HeartbeatEngine) => RunEndPolicy,
  ) {
    this.spawner = opts.spawner ?? localPtySpawner(logs);
    this.owner = { machineId: ctx.machineId, hostInstanceId: ctx.hostInstanceId };
    this.retrying = { stopped: false, notice: (message) => ctx.events.emit('host.notice', { level: 'error', message }) };
    this.notifier = new Notifier(ctx);
    this.gate = new Gate(ctx, { maxConcurrentRuns: opts.maxConcurrentRuns, safetyPumpMs: opts.safetyPumpMs, held: () => this.live.size, startRun: (run, agent) => this.startRun(run, agent) });
    this.retention = new RetentionTimers(ctx.db, logs, ctx.machineId, opts.logRetention);
    this.progress = new ProgressSaver(ctx.db, (rows) => this.notifier.runsUpdated(rows));
    this.runHost = {
      ctx,
      retrying: this.retrying,
      notifier: this.notifier,
      killGraceMs: opts.killGraceMs,
      limits: opts.limits ?? null,
      closing: () => this.closed,
      progress: this.progress,
      end: (live, outcome) => this.endLive(live, outcome),
      forgetToken: (live) => {
        if (live.tokenHash && this.liveTokens.get(live.tokenHash) === live) this.liveTokens.delete(live.tokenHash);
      },
      release: (live, pump) => {
        this.runHost.forgetToken(live);
        this.progress.delete(live);
        if (this.live.get(live.run.id) === live) this.live.delete(live.run.id);
        if (pump) this.pump();
      },
      lost: (live) => this.policy.runsLost([live.run.id]),
    };
    this.policy = policy?.(this) ?? NO_POLICY;
  }

  /** True once shutdown began: settled runs must not queue follow-ups then. */
  get closing(): boolean {
    return this.closed;
  }

  /** Whether this host holds the run (claimed, not yet durably ended): recovery never judges those. */
  holds(runId: string): boolean {
    return this.live.has(runId);
  }

  /** The session of a run this host holds (its process's terminal), or null. */
  sessionOf(runId: string): RunSession | null {
    const live = this.live.get(runId);
    return live && !live.over ? live.handle : null;
  }

  /**
   * Events that do not come from the agent's output (a request asked or answered, who typed),
   * numbered with the run's own: false when this host does not hold the run.
   */
  noteRunEvents(runId: string, events: AdapterEvent[]): boolean {
    const live = this.live.get(runId);
    if (!live || live.over) return false;
    live.note(events);
    return true;
  }

  async wake(agentId: string, input: WakeInput): Promise<WakeResultDto> {
    const { result, agent } = await recordWake(this.ctx.db, agentId, input, this.opts.limits);
    if (result.runId && result.status === 'queued') {
      // run.created before the scheduler can tell of the run's start (a pooled server runs both at once).
      await this.notifier.runsCreated([result.runId], [agent]);
      this.pump();
    }
    return result;
  }

  /** Opens the gate: until then runs are only queued (start-up recovery runs before it). */
  start(): void {
    this.gate.open();
  }

  /** Starts queued runs while the global and per-agent caps allow (gate.ts). */
  pump(): void {
    if (!this.closed) this.gate.pump();
  }

  /** Resolves when the gate is idle (shutdown waits for it). */
  settled(): Promise<void> {
    return this.gate.settled();
  }

  /** Claims the run, then (only then) spawns its process. False when the claim was lost. */
  private async startRun(queued: RunRow, agent: AgentRow): Promise<boolean> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(token).digest('hex');
    const live = new LiveRun(this.runHost, { run: queued, agent, tokenHash, secrets: [...secretValuesOf(agent.env, agent.envPublic), token], phase: 'claiming' });
    // In the live map before the claim commits: recovery on this host never judges a run it is starting.
    this.live.set(queued.id, live);
    let claim: Awaited<ReturnType<typeof claimRun>>;
    try {
      claim = await claimRun(this.ctx.db, queued, this.owner, { tokenHash, logPath: this.logs.pathOf(queued.id), exclusiveWriter: this.ctx.exclusiveWriter });
    } catch (err) {
      live.abandonClaim();
      throw err;
    }
    if (!claim) {
      live.abandonClaim();
      return false;
    }
    live.claimed(claim.row);
    this.opts.limits?.begin(claim.row);
    this.liveTokens.set(tokenHash, live);
    try {
      const built = await buildRunCommand(this.ctx, this.opts, this.retrying, { run: live.run, agent, token, resumeSessionId: claim.resumeSessionId, stopped: () => !!live.stopReason });
      // A cancel (or shutdown) that came while the run was being claimed: its process never starts.
      if (!built || live.stopReason) {
        live.refused(live.stoppedBeforeStart());
        return true;
      }
      const { command, parser } = built;
      const spec = { file: command.file, args: command.args, cwd: command.cwd, env: command.env, cols: 160, rows: 48 };
      const handle = await this.spawner.spawn(live.run.id, spec, [...secretValuesOf(agent.env, agent.envPublic), token]);
      live.attach(handle, parser, 0, { prompt: command.prompt, markStarted: true });
    } catch (err) {
      const message = live.redactor.redactText(err instanceof Error ? err.message : String(err));
      // A missing executable or folder (SpawnError) or any other refusal: the run never started.
      live.refused({ status: 'failed', errorCode: err instanceof WorkspaceError ? 'workspace_failed' : 'spawn_failed', error: message });
    }
    return true;
  }

  /**
   * Takes back a live run whose process outlived the previous host (in the pty host): it stays
   * live with no error and no retry, owned by this host from now on. `handle` streams its log
   * from offset 0: bytes below the run's recorded byte count rebuild the parser (their events
   * were stored), later ones are handled as new. A run whose agent ended meanwhile is finalized
   * as soon as its exit arrives, with its real exit code. False when the run is not this host's
   * to take (ended or taken meanwhile): the caller stops the process.
   */
  async adopt(run: RunRow, handle: RunSession): Promise<boolean> {
    const db = this.ctx.db;
    const [agent] = await db.select().from(agents).where(eq(agents.id, run.agentId));
    const adopted = agent ? await adoptRun(db, run, this.owner) : null;
    if (!agent || !adopted) return false;
    const [{ seq }] = await db
      .select({ seq: sql<number>`coalesce(max(${heartbeatRunEvents.seq}), 0)::int` })
      .from(heartbeatRunEvents)
      .where(eq(heartbeatRunEvents.runId, run.id));
    // The log's bytes were redacted by the pty host, the run token included; events get the agent's secrets masked again.
    const live = new LiveRun(this.runHost, { run: adopted, agent, tokenHash: adopted.runTokenHash, secrets: secretValuesOf(agent.env, agent.envPublic), phase: 'running', seq: Number(seq) });
    this.live.set(run.id, live);
    if (live.tokenHash) this.liveTokens.set(live.tokenHash, live);
    // Claimed, spawned, but the host died before it recorded the process: record it now.
    this.opts.limits?.begin(adopted);
    const markStarted = adopted.status === 'starting';
    live.attach(handle, parserOf(agent), adopted.logBytes, { markStarted, elapsedMs: adopted.startedAt ? Date.now() - adopted.startedAt.getTime() : 0 });
    if (!markStarted) await this.notifier.runsAndNeighbours([run]);
    return true;
  }

  /** Cancels a queued run, or stops a live one (its whole process group) and waits for its end. */
  async cancelRun(runId: string, reason: 'cancelled' | 'host_shutdown' = 'cancelled'): Promise<RunDto> {
    const live = this.live.get(runId);
    if (live) {
      await live.stop(reason, reason === 'cancelled' ? 'cancelled by the user' : 'Vigil shut down while the run was active');
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
    if (isLiveStatus(run.status)) {
      // The runs.cancel service asks the owner's host (team mode); reaching here means a caller skipped it.
      if (run.hostId && run.hostId !== this.ctx.machineId) {
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

  /**
   * Ends a run this host holds, retried with backoff until the end is durable: a database outage
   * must never leave a row live without its owner. The run stays in the live map meanwhile.
   */
  private async endLive(live: LiveRun, outcome: RunOutcome): Promise<RunRow | null> {
    const item: EndItem = { run: live.run, outcome, from: LIVE_STATUSES };
    const run = await retryUntilLanded(this.retrying, `finalizing run ${live.run.id}`, () => this.finishRuns([item]).then((rows) => rows[0] ?? null), () => false);
    if (!run) return null;
    if (!this.closed) this.retention.schedule(run.agentId);
    await this.policy.settled(run).catch(logFailure('engine', `following up the end of run ${run.id}`));
    return run;
  }

  private async finishWithoutProcess(run: RunRow, outcome: { status: RunStatus; errorCode: RunErrorCode | null; error: string | null }): Promise<void> {
    const done = await this.finishRun(run, { ...outcome, exitCode: null, signal: null });
    if (done) await this.policy.settled(done).catch(logFailure('engine', `following up the end of run ${done.id}`));
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
    // Committed: telling listeners is best effort (the database may have gone away just now);
    // the rows are right, clients refresh on their next read.
    await this.notifier.ended(out).catch(logFailure('engine', `telling of ${out.rows.length} ended run(s)`));
    return out.rows;
  }

  /** The live run a token belongs to (its claim recorded it); null when this host holds no such run. */
  async liveRunOfToken(tokenHash: string): Promise<{ runId: string; agentId: string; issueId: string | null } | null> {
    const live = this.liveTokens.get(tokenHash);
    if (!live) return null;
    return { runId: live.run.id, agentId: live.run.agentId, issueId: live.run.issueId };
  }

  /** An agent reported activity with its run token: feeds the detached watchdog, clears the warning. */
  async reportActivity(runId: string): Promise<RunDto | null> {
    const row = await noteActivity(this.ctx.db, runId);
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
    await this.close();
    const runs = [...this.live.values()];
    // What was parsed is stored, so the next host parses on from the right offset.
    await Promise.all(runs.map((live) => live.leave()));
    return runs.length;
  }

  /**
   * Clean shutdown: stop every live run's process group, each ended as host_shutdown; waits
   * (bounded by shutdownLandMs) until those ends are durable, so none is left running.
   */
  async shutdown(): Promise<number> {
    await this.close();
    const runs = [...this.live.values()];
    const stopped = Promise.all(runs.map((live) => this.cancelRun(live.run.id, 'host_shutdown').catch(logFailure('engine', `stopping run ${live.run.id} at shutdown`))));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.shutdownLandMs ?? 60_000)));
    await Promise.race([stopped, bound]);
    clearTimeout(timer);
    // Whatever could not land is left to the next start's recovery (its owner is gone then).
    this.retrying.stopped = true;
    return runs.length;
  }

  private async close(): Promise<void> {
    this.closed = true;
    // Progress is no longer saved (the runs' ends record their last line and bytes).
    this.progress.close();
    // Pending passes are dropped: the next start's first run ends prune those logs.
    this.retention.clear();
    await this.gate.close();
  }
}
