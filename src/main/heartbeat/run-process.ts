// A run's process and its output path, behind a small interface: the engine asks a RunSpawner for
// a RunHandle and never touches node-pty itself. Whoever reads the pty also writes the run log
// (redacted, byte-exact, sha256, back-pressure): the data folder's pty host, a process that
// outlives this one (src/ptyhost/, reached through src/main/ptyhost/spawner.ts), or this very
// process (localPtySpawner: tests, or when no pty host can be had).
//
// The output path here: logged bytes at their log offset -> adapter parser (events, session id)
// -> one batched run.output event -> last output line. A run taken back after a restart replays
// its log from offset 0: bytes the last host had already handled only rebuild the parser's state.
import type { AdapterEvent, AdapterResult, OutputParser } from '../adapters/types';
import { createLastLineTracker } from '../../node/logs/last-line';
import { createOutputBatcher, type OutputBatcher } from '../../node/logs/output-batcher';
import type { RunLogStore } from '../../node/logs/run-log';
import { spawnLocalSession } from '../../node/process/pty-session';
import type { SpawnSpec } from '../../node/process/pty';
import type { PtyExitInfo } from '../../shared/ptyhost-protocol';
import { terminateRun } from '../../node/process/tree';

export type { SpawnSpec } from '../../node/process/pty';

/** How the leader ended, and the log it left. */
export interface RunExit {
  exitCode: number | null;
  /** The name of the signal that killed it (e.g. 'SIGTERM'). */
  signal: string | null;
  logBytes: number;
  logSha256: string;
  /** Why the log could not be written completely (disk full...), else null. */
  logError: string | null;
}

/** A started run process: the leader of its own session and group. */
export interface RunHandle {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  /** The leader's start identity, read right after spawn (process/identity.ts). */
  readonly startId: string;
  /** Logged (redacted) output at its log offset, in order, each byte once. */
  onOutput(cb: (offset: number, data: Buffer) => void): void;
  /** Once, after the last output, with the log closed. */
  onExit(cb: (exit: RunExit) => void): void;
  /** The log could not be written (disk full...): the run must stop. */
  onLogError(cb: (message: string) => void): void;
  /** Whoever held the pty is gone (the pty host died): the run's end is recovery's to judge. */
  onLost(cb: (reason: string) => void): void;
  /** Stops every process of the run (group, session, cookie; identity-checked): SIGTERM, grace, SIGKILL. */
  terminate(graceMs: number): Promise<void>;
  /** The end is recorded: whoever holds the pty may forget the run. */
  acknowledge(): void;
  /** Keyboard and size of the live terminal (issue 21: attach), where the pty's holder allows it. */
  readonly terminal?: RunTerminal;
}

/** Typing into a live run's pty and resizing it. */
export interface RunTerminal {
  write(data: string): void;
  resize(cols: number, rows: number): void;
}

export interface RunSpawner {
  /**
   * Starts the command with the run's cookie (VIGIL_RUN_ID in spec.env), its log masking
   * `secrets`; rejects with SpawnError when it cannot.
   */
  spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<RunHandle>;
}

/** A pty session as either spawner holds it (this process's, or the pty host's): what a run handle is made of. */
export interface RunSession {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly startId: string;
  onOutput(cb: (offset: number, data: Buffer) => void): void;
  onExit(cb: (exit: PtyExitInfo) => void): void;
  onLogError(cb: (message: string) => void): void;
  onLost(cb: (reason: string) => void): void;
  acknowledge(): void;
  terminal?: RunTerminal;
}

/** The one way a session becomes a run handle: its exit as the engine reads it, its stop by group, session and cookie. */
export function runHandleOf(runId: string, s: RunSession): RunHandle {
  return {
    pid: s.pid,
    pgid: s.pgid,
    sid: s.sid,
    startId: s.startId,
    onOutput: (cb) => s.onOutput(cb),
    onExit: (cb) => s.onExit((e) => cb({ exitCode: e.exitCode, signal: e.signal, logBytes: e.logBytes, logSha256: e.logSha256, logError: e.logError })),
    onLogError: (cb) => s.onLogError(cb),
    onLost: (cb) => s.onLost(cb),
    async terminate(graceMs) {
      await terminateRun({ runId, pgid: s.pgid, sid: s.sid, leaderPid: s.pid, leaderStartId: s.startId }, { graceMs });
    },
    acknowledge: () => s.acknowledge(),
    terminal: s.terminal,
  };
}

/** Spawns in ptys owned by this process: the runs end with it. */
export function localPtySpawner(logs: RunLogStore): RunSpawner {
  return {
    async spawn(runId, spec, secrets) {
      const local = spawnLocalSession(runId, spec, secrets, logs);
      const info = local.session.info();
      return runHandleOf(runId, {
        pid: info.pid,
        pgid: info.pgid,
        sid: info.sid,
        startId: info.startId,
        onOutput: (cb) => local.onOutput(cb),
        onExit: (cb) => local.onExit(cb),
        onLogError: (cb) => local.onLogError(cb),
        onLost: () => undefined,
        acknowledge: () => undefined,
        terminal: { write: (data) => local.session.write(data), resize: (cols, rows) => local.session.resize(cols, rows) },
      });
    },
  };
}

export interface RunOutputHooks {
  /** Live output, already redacted, at its log offset. */
  emitOutput(offset: number, data: Buffer): void;
  /** Whether anyone listens for live output now: if not, it is neither batched nor encoded. */
  outputListened(): boolean;
  /** Masks the run's secrets in the plain last line (escapes stripped may join a split secret). */
  redactLine(text: string): string;
  /** Structured events the adapter parsed (in order). */
  onEvents(events: AdapterEvent[]): void;
  /** The adapter reported its session id (once per distinct id). */
  onSession(sessionId: string): void;
}

/** What the output path knew when the process ended. */
export interface RunOutputEnd {
  logBytes: number;
  logSha256: string;
  lastOutputLine: string | null;
  result: AdapterResult;
}

/** Connects a handle's output to the parser, live events and the last line. */
export class RunOutput {
  private readonly batcher: OutputBatcher;
  private readonly lastLine: ReturnType<typeof createLastLineTracker>;
  private reportedSession: string | null = null;
  private seen = 0;

  /**
   * `handledThrough`: the log offset up to which an earlier host already stored this run's
   * events and showed its output (0 for a new run). Bytes below it only rebuild the parser.
   */
  constructor(
    handle: RunHandle,
    private readonly parser: OutputParser,
    private readonly hooks: RunOutputHooks,
    private readonly handledThrough = 0,
  ) {
    // Only while someone listens: unwatched output costs no batching or base64.
    this.batcher = createOutputBatcher({ emit: hooks.emitOutput, listening: hooks.outputListened });
    // Escapes stripped can join a secret split by them: the line is redacted again once plain.
    this.lastLine = createLastLineTracker(500, hooks.redactLine);
    handle.onOutput((offset, data) => this.onChunk(offset, data));
  }

  /** Log bytes seen so far: events of every byte below are parsed (and queued by the hooks). */
  get logBytes(): number {
    return this.seen;
  }

  get lastOutputLine(): string | null {
    return this.lastLine.get();
  }

  private onChunk(offset: number, data: Buffer): void {
    this.seen = offset + data.length;
    this.lastLine.push(data);
    const split = Math.min(Math.max(0, this.handledThrough - offset), data.length);
    if (split > 0) {
      // Already handled by the host before: parsed again for its state, its events were stored then.
      this.parser.push(data.subarray(0, split));
      if (split === data.length) return;
      offset += split;
      data = data.subarray(split);
    }
    const events = this.parser.push(data);
    this.batcher.push(offset, data);
    if (events.length > 0) {
      this.hooks.onEvents(events);
      this.checkSession();
    }
  }

  private checkSession(): void {
    const { sessionId } = this.parser.result();
    if (!sessionId || sessionId === this.reportedSession) return;
    this.reportedSession = sessionId;
    this.hooks.onSession(sessionId);
  }

  /** After the exit: the last live chunk and events out, the log's final figures in. */
  end(exit: RunExit): RunOutputEnd {
    this.batcher.flush();
    this.batcher.close();
    const events = this.parser.end();
    if (events.length > 0) this.hooks.onEvents(events);
    return { logBytes: exit.logBytes, logSha256: exit.logSha256, lastOutputLine: this.lastLine.get(), result: this.parser.result() };
  }
}
