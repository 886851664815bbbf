// A run this host holds, from its claim until its end is durable (or its pty host is lost), as
// an explicit phase. Every phase change goes through `to()`, checked against this table:
//
//   claiming --spawning-->  spawning   the claim committed (a run taken back starts at running)
//   spawning --running-->   running    its process exists (marked running in the database meanwhile)
//   spawning --ending-->    ending     spawn failed, or a stop came before its process could start
//   running  --stopping-->  stopping   cancel, timeout, log failure, shutdown: its process group is told to stop
//   running | stopping --ending-->  ending   its process exited: the end is recorded, retried until durable
//   running | stopping --lost-->    lost     its pty host died: recovery judges it by its process
//
// A claim that is lost leaves from `claiming` (nothing was spawned). A stop asked before the
// process exists is kept and acted on once it does. The run owns its timers (timeout, progress),
// its stop, the flush of its parsed events and the save of its progress.
import type { ServiceContext } from '../context';
import { newId } from '../context';
import { promptEvent, type AdapterEvent, type AdapterFailure, type OutputParser } from '../adapters/types';
import { failureWords } from '../adapters/failure-words';
import { jsonbParam, storableText } from '../db/storable-text';
import { hostLog, logFailure } from '../host-log';
import { Redactor } from '../../node/logs/redactor';
import type { RunErrorCode, RunStatus } from '../../shared/domain';
import type { AgentRow, RunRow } from '../views/dto';
import { retryUntilLanded, type Retrying } from './durable';
import type { Notifier } from './notifier';
import type { LimitStop, RunLimitsHook } from '../budgets/run-limits';
import { RunOutput, type RunExit, type RunSession, type RunOutputEnd } from './run-process';
import type { ProgressSaver, ProgressSource } from './progress-saver';
import { markRunning, recordEvents, recordSession, type RunOutcome, type RunProgress } from './run-state';

export type Phase = 'claiming' | 'spawning' | 'running' | 'stopping' | 'ending' | 'lost';

export const PHASE_TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  claiming: ['spawning'],
  spawning: ['running', 'ending'],
  running: ['stopping', 'ending', 'lost'],
  stopping: ['ending', 'lost'],
  ending: [],
  lost: [],
};

/** agent_stuck: its CLI waits for what a headless run cannot give (a pasted login code). */
export type StopReason = 'cancelled' | 'timeout' | 'host_shutdown' | 'log_write_failed' | 'agent_stuck' | LimitStop;

/**
 * What a run stopped by Vigil ends as. A budget or a usage window is not the agent's failure: no
 * retry is spent, nothing escalates; src/main/budgets queues it again.
 */
const STOPPED_AS: Record<StopReason, [RunStatus, RunErrorCode]> = {
  cancelled: ['cancelled', 'cancelled'],
  host_shutdown: ['cancelled', 'host_shutdown'],
  timeout: ['timed_out', 'timeout'],
  log_write_failed: ['failed', 'log_write_failed'],
  agent_stuck: ['failed', 'adapter_failed'],
  budget_exceeded: ['cancelled', 'budget_exceeded'],
  rate_limited: ['cancelled', 'rate_limited'],
};

/** What a live run needs of the engine that holds it. */
export interface LiveRunHost {
  readonly ctx: Pick<ServiceContext, 'db' | 'events'>;
  readonly retrying: Retrying;
  readonly notifier: Notifier;
  readonly killGraceMs: number;
  /** Budgets and usage windows, told of every parsed batch (they may stop the run). */
  readonly limits: RunLimitsHook | null;
  /** Shutdown began: progress is no longer saved. */
  closing(): boolean;
  /** Saves every live run's progress together, once a second (progress-saver.ts). */
  readonly progress: Pick<ProgressSaver, 'add' | 'delete'>;
  /** Records the run's end, retried until durable (null: ended by someone else, or given up). */
  end(live: LiveRun, outcome: RunOutcome): Promise<RunRow | null>;
  /** Its token dies with its process: nothing may act for the run once it is being ended. */
  forgetToken(live: LiveRun): void;
  /** The run left this host (ended or lost): forget it and its token; `pump`: its slot is free. */
  release(live: LiveRun, pump: boolean): void;
  /** A run whose pty host died left this host: recovery stops what is left of it and retries it. */
  lost(live: LiveRun): void;
  /** After a stop, how long the process's exit is waited for before the run ends without it (default 1 s). */
  readonly exitWaitMs?: number;
}

export interface LiveRunSpec {
  run: RunRow;
  agent: AgentRow;
  /** The values masked in its events and errors (the agent's secrets, its run token). */
  secrets: string[];
  /** claiming (a run this host starts) or running (one taken back after a restart). */
  phase: 'claiming' | 'running';
  /** The hash of its run token (agents calling back are known by it); null if none was recorded. */
  tokenHash: string | null;
  /** The last event's sequence number (a run taken back), else 0. */
  seq?: number;
}

export class LiveRun implements ProgressSource {
  run: RunRow;
  readonly agent: AgentRow;
  readonly tokenHash: string | null;
  readonly redactor: Redactor;
  private phaseNow: Phase;
  handle: RunSession | null = null;
  private output: RunOutput | null = null;
  stopReason: StopReason | null = null;
  private stopDetail: string | null = null;
  /** Resolves once markRunning landed (true) or cannot any more (false). */
  private started: Promise<boolean>;
  private seq: number;
  private pendingEvents: AdapterEvent[] = [];
  private eventFlush: Promise<void> = Promise.resolve();
  private sessionWrite: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private lastLineSaved: string | null;
  private settle!: () => void;
  /** Resolves when the run's end is durable, or it left this host. */
  readonly finished = new Promise<void>((resolve) => (this.settle = resolve));

  /** The one factory: a run this host starts (claiming) and one it takes back (running) alike. */
  constructor(
    private readonly host: LiveRunHost,
    spec: LiveRunSpec,
  ) {
    this.run = spec.run;
    this.agent = spec.agent;
    this.tokenHash = spec.tokenHash;
    this.redactor = new Redactor(spec.secrets);
    this.phaseNow = spec.phase;
    this.started = Promise.resolve(spec.phase === 'running');
    this.seq = spec.seq ?? 0;
    this.lastLineSaved = spec.phase === 'running' ? spec.run.lastOutputLine : null;
  }

  get phase(): Phase {
    return this.phaseNow;
  }

  /** Its process is gone (exited or lost): nothing more may be written for it but its end. */
  get over(): boolean {
    return this.phaseNow === 'ending' || this.phaseNow === 'lost';
  }

  private to(next: Phase): void {
    if (!PHASE_TRANSITIONS[this.phaseNow].includes(next)) throw new Error(`run ${this.run.id}: no phase change ${this.phaseNow} -> ${next}`);
    this.phaseNow = next;
  }

  /** claiming -> spawning: the claim committed, with what it wrote. */
  claimed(row: RunRow): void {
    this.run = row;
    this.to('spawning');
  }

  /** The claim was lost or failed: nothing was spawned, the run was never this host's. */
  abandonClaim(): void {
    this.host.release(this, false);
    this.settle();
  }

  /** spawning -> ending: its process never started (spawn refused, or stopped first). */
  refused(outcome: { status: RunStatus; errorCode: RunErrorCode; error: string | null }): void {
    this.to('ending');
    this.host.forgetToken(this);
    this.release(this.host.end(this, { ...outcome, exitCode: null, signal: null }));
  }

  /** Why a stop before the process existed ended the run: the outcome of a refused start. */
  stoppedBeforeStart(): { status: RunStatus; errorCode: RunErrorCode; error: string | null } {
    return { status: 'cancelled', errorCode: this.stopReason === 'host_shutdown' ? 'host_shutdown' : 'cancelled', error: this.stopDetail };
  }

  /**
   * spawning -> running (or a run taken back): the handle's output feeds the parser, events and
   * the last line; its exit ends the run, its loss hands it to recovery. `handledThrough`: the
   * log offset up to which an earlier host handled its output (0 for a new run).
   */
  attach(handle: RunSession, parser: OutputParser, handledThrough: number, opts: { prompt?: string; markStarted: boolean; elapsedMs?: number }): void {
    if (this.phaseNow === 'spawning') this.to('running');
    this.handle = handle;
    const runId = this.run.id;
    const { events } = this.host.ctx;
    handle.onLogError((message) => {
      if (!this.stopReason) void this.stop('log_write_failed', message);
    });
    this.output = new RunOutput(
      handle,
      parser,
      {
        emitOutput: (offset, data) => events.emit('run.output', { runId, offset, data: data.toString('base64') }),
        outputListened: () => events.listens('run.output'),
        watchListened: (cb) => events.onListenersChanged(cb),
        redactLine: (text) => this.redactor.redactText(text),
        onEvents: (parsed) => {
          this.queueEvents(parsed);
          const { usage, failure } = parser.result();
          this.host.limits?.observe(this.run, parsed, usage, (reason, detail) => this.stopForLimit(reason, detail));
          if (failure?.stuck) this.stopStuck(failure);
        },
        onSession: (sessionId) => {
          this.sessionWrite = this.sessionWrite.then(async () => {
            await retryUntilLanded(this.host.retrying, `recording the session of run ${runId}`, () => recordSession(this.host.ctx.db, this.run, sessionId), () => this.over);
          });
        },
      },
      handledThrough,
    );
    handle.onExit((exit) => {
      // Lost is final: recovery judges the run by its process from then on. Ending: a stop
      // already ended it without its exit (its pty host did not report one in time).
      if (this.over) return;
      this.host.forgetToken(this);
      this.release(this.finalize(exit));
    });
    handle.onLost(() => {
      if (this.over) return;
      // A stop was asked and its processes told: the run ends as stopped, not as lost.
      if (this.phaseNow === 'stopping') return this.endWithoutExit();
      this.to('lost');
      this.output?.release();
      this.host.forgetToken(this);
      this.disarm();
      // Out of the live map, the run is an orphan of this host: recovery judges it by its process.
      this.release(Promise.resolve());
      this.host.lost(this);
    });
    if (opts.markStarted) this.started = this.markStarted(handle);
    if (opts.prompt) this.queueEvents([promptEvent(opts.prompt)]);
    // A stop that came while the process was being started: act on it now.
    if (this.stopReason) void this.stop(this.stopReason, this.stopDetail);
    this.armTimers(opts.elapsedMs ?? 0);
  }

  /**
   * Stops every process of the run (first reason wins); resolves when they were told and
   * waited for. Before the process exists the reason is kept: its start is then refused.
   */
  async stop(reason: StopReason, detail: string | null): Promise<void> {
    if (!this.stopReason) {
      this.stopReason = reason;
      this.stopDetail = detail;
    }
    if (this.phaseNow === 'running') this.to('stopping');
    await this.handle?.terminate(this.host.killGraceMs);
    // Its processes are stopped; the exit comes from whoever holds the pty (the pty host). A
    // pty host that does not answer must not hold the stop: after a short wait the run ends
    // without the exit report (a late one is ignored).
    if (this.phaseNow === 'stopping') {
      const wait = setTimeout(() => {
        if (this.phaseNow === 'stopping') this.endWithoutExit();
      }, this.host.exitWaitMs ?? 1000);
      wait.unref();
    }
  }

  /** Ends a stopped run whose exit was not reported (its pty host is stopped or gone). */
  private endWithoutExit(): void {
    this.host.forgetToken(this);
    const logBytes = this.output?.logBytes ?? 0;
    this.release(this.finalize({ exitCode: null, signal: null, logBytes, logSha256: '', lastBytes: '', logError: null, endedAt: new Date().toISOString() }, true));
  }

  /**
   * A budget or usage window ends the run through the same stop as a cancel. Reported in the
   * output's last bytes (parsed as the process exits), it still names how the run ended.
   */
  private stopForLimit(reason: LimitStop, detail: string): void {
    if (this.stopReason) return;
    if (this.over) {
      this.stopReason = reason;
      this.stopDetail = detail;
      return;
    }
    void this.stop(reason, detail);
  }

  /** Its CLI waits for what nobody can give it (a pasted login code): it fails now, not at its timeout. */
  private stopStuck(failure: AdapterFailure): void {
    if (this.stopReason || this.over) return;
    void this.stop('agent_stuck', `${this.failureWords(failure)} (it waited for an answer nobody can type into a headless run; Vigil stopped it)`);
  }

  private failureWords(failure: AdapterFailure): string {
    return failureWords(this.agent.adapterType as Parameters<typeof failureWords>[0], failure);
  }

  /** Leaves the run to the next host (a planned restart): timers off, what was parsed stored. */
  async leave(): Promise<void> {
    this.disarm();
    await this.eventFlush;
  }

  private release(work: Promise<unknown>): void {
    void work.finally(() => {
      this.host.release(this, true);
      this.settle();
    });
  }

  /** starting -> running in the database, retried until it lands (database away) or the process is gone. */
  private async markStarted(handle: RunSession): Promise<boolean> {
    const marked = await retryUntilLanded(this.host.retrying, `recording the start of run ${this.run.id}`, () => markRunning(this.host.ctx.db, this.run, handle), () => this.over);
    if (!marked) return false;
    this.run = marked.row;
    this.seq = marked.seq;
    // The row is what the statement just wrote, its agent the one it runs: neither is read back.
    await this.host.notifier.runsAndNeighbours([this.run], { fresh: true, agents: [this.agent] }).catch(logFailure('engine', `telling of the start of run ${this.run.id}`));
    return true;
  }

  /** `elapsedMs`: how long the run has been going already (one taken back after a restart). */
  private armTimers(elapsedMs: number): void {
    const timeoutSec = this.agent.runtimeConfig.timeoutSec;
    if (timeoutSec) {
      this.timers.push(
        setTimeout(() => {
          if (!this.stopReason) void this.stop('timeout', `the run exceeded its timeout of ${timeoutSec}s`);
        }, Math.max(0, timeoutSec * 1000 - elapsedMs)),
      );
    }
    this.host.progress.add(this);
  }

  /** Events for the run's record that did not come from its output (requests, typing): numbered with its own. */
  note(events: AdapterEvent[]): void {
    this.queueEvents(events);
  }

  private queueEvents(events: AdapterEvent[]): void {
    const wasEmpty = this.pendingEvents.length === 0;
    this.pendingEvents.push(...events);
    if (wasEmpty) this.eventFlush = this.eventFlush.then(() => this.flushEvents());
  }

  private async flushEvents(): Promise<void> {
    // Numbered after the started event.
    if (!(await this.started)) return;
    const batch = this.pendingEvents.splice(0, this.pendingEvents.length);
    if (batch.length === 0) return;
    // Every event of the log's bytes below this offset is in this batch or an earlier one.
    const through = this.output?.logBytes ?? 0;
    // One pass over the payload's JSON: storable text, then the agent's secrets redacted.
    const clean = (v: unknown): unknown => (v === undefined ? v : this.redactor.redactJson(jsonbParam(v)));
    try {
      const rows = batch.map((e) => ({
        id: newId(),
        runId: this.run.id,
        seq: ++this.seq,
        type: storableText(e.type.slice(0, 100)),
        message: e.message === null ? null : storableText(this.redactor.redactText(e.message).slice(0, 4000)),
        payload: (clean(e.payload) ?? null) as unknown,
      }));
      this.host.notifier.runEvents(this.run.id, await recordEvents(this.host.ctx.db, this.run.id, rows, through));
    } catch (err) {
      // Structured events are a convenience; the byte log is the record. Never stop a run for them.
      hostLog('warn', 'engine', `storing ${batch.length} parsed event(s) of run ${this.run.id}`, err);
    }
  }

  /** The last output line and byte count to persist (the saver asks once a second), when the line changed. */
  async progressToSave(): Promise<RunProgress | null> {
    const output = this.output;
    if (!output || this.host.closing()) return null;
    const line = output.lastOutputLine;
    if (line === this.lastLineSaved) return null;
    // Progress is shown, not kept: a failed save is tried again with the next line.
    this.lastLineSaved = line;
    if (!(await this.started)) return null;
    // The byte count is also where a host taking the run back starts parsing for new events:
    // recorded only once the events of those bytes are stored.
    const through = output.logBytes;
    await this.eventFlush;
    return { runId: this.run.id, line, through };
  }

  /** Its timers off and its progress no longer saved. */
  private disarm(): void {
    for (const t of this.timers) clearTimeout(t);
    this.host.progress.delete(this);
  }

  /** The process exited: its output finished, descendants stopped, the end recorded with its outcome. */
  private async finalize(exit: RunExit, unreported = false): Promise<void> {
    this.to('ending');
    this.disarm();
    // The log could not be written while no host listened: the run failed for it.
    if (!this.stopReason && exit.logError) {
      this.stopReason = 'log_write_failed';
      this.stopDetail = exit.logError;
    }
    // Nothing before the end may keep the end from being recorded.
    let end: RunOutputEnd | null = null;
    try {
      end = this.output!.end(exit);
    } catch (err) {
      hostLog('warn', 'engine', `finishing the output of run ${this.run.id}`, err);
    }
    // Each of these already logged or retried its own failure; here only the end matters.
    await this.eventFlush.catch(() => undefined);
    // Descendants that outlive the leader (nohup, background jobs) must not leak.
    await this.handle?.terminate(this.host.killGraceMs).catch(logFailure('engine', `stopping what is left of run ${this.run.id}`));
    await this.started.catch(() => false);
    await this.sessionWrite.catch(() => undefined);
    await this.host.end(this, {
      ...this.outcomeOf(exit, end?.result.failure),
      exitCode: exit.exitCode,
      signal: exit.signal,
      ...(end && {
        logBytes: end.logBytes,
        // Not reported by whoever wrote the log: left as recorded rather than made up.
        ...(!unreported && { logSha256: end.logSha256 }),
        lastOutputLine: end.lastOutputLine,
        sessionId: end.result.sessionId,
        sessionUnknown: end.result.sessionUnknown,
        usage: end.result.usage,
      }),
    });
    // Recorded (or ended by someone else): whoever holds the pty may forget the run. Given up at
    // shutdown with the database away, it stays there for the next host to finalize.
    if (!this.host.retrying.stopped) this.handle?.acknowledge();
  }

  /** `failure`: what the agent's CLI said went wrong (its parser's reading), for a run that failed. */
  private outcomeOf(exit: RunExit, failure?: AdapterFailure): { status: RunStatus; errorCode: RunErrorCode | null; error: string | null } {
    const why = this.stopDetail ? this.redactor.redactText(this.stopDetail) : null;
    if (this.stopReason) {
      const [status, errorCode] = STOPPED_AS[this.stopReason];
      return { status, errorCode, error: this.stopReason === 'log_write_failed' ? `could not write the run log: ${why}` : why };
    }
    if (exit.exitCode === 0 && !exit.signal) return { status: 'succeeded', errorCode: null, error: null };
    const how = exit.signal ? `the agent process was killed by ${exit.signal}` : `the agent process exited with code ${exit.exitCode}`;
    const said = failure ? this.redactor.redactText(this.failureWords(failure)) : null;
    return { status: 'failed', errorCode: 'adapter_failed', error: said ? `${said} (${how})` : how };
  }
}
