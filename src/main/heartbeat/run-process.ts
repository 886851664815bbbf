// A run's process and its output path, behind a small interface: the engine asks a RunSpawner for
// a RunHandle and never touches node-pty itself, so whatever owns the ptys (today this process,
// later a separate pty host that outlives it) can be swapped without touching the run's life.
//
// The output path: pty bytes -> adapter parser (events, session id) -> run log (redacted) ->
// one batched run.output event -> last output line. Back-pressure pauses the process.
import type { AdapterEvent, AdapterResult, OutputParser } from '../adapters/types';
import { createLastLineTracker } from '../logs/last-line';
import { createOutputBatcher, type OutputBatcher } from '../logs/output-batcher';
import type { Redactor } from '../logs/redactor';
import type { RunLogWriter } from '../logs/run-log';
import { spawnInPty, type PtyExit, type SpawnSpec } from '../process/pty';
import { terminateRun } from '../process/tree';

export type { PtyExit as RunExit, SpawnSpec } from '../process/pty';

/** A started run process: the leader of its own session and group. */
export interface RunHandle {
  readonly pid: number;
  readonly pgid: number;
  readonly sid: number;
  /** The leader's start identity, read right after spawn (process/identity.ts). */
  readonly startId: string;
  /** Raw output bytes, in order. */
  onData(cb: (chunk: Buffer) => void): void;
  /** Once, after every byte of output was delivered. */
  onExit(cb: (exit: PtyExit) => void): void;
  pause(): void;
  resume(): void;
  /** Stops every process of the run (group, session, cookie; identity-checked): SIGTERM, grace, SIGKILL. */
  terminate(graceMs: number): Promise<void>;
}

export interface RunSpawner {
  /** Starts the command with the run's cookie (VIGIL_RUN_ID in spec.env); throws SpawnError when it cannot. */
  spawn(runId: string, spec: SpawnSpec): RunHandle;
}

/** Spawns in a pty owned by this process. */
export const localPtySpawner: RunSpawner = {
  spawn(runId, spec) {
    const proc = spawnInPty(spec);
    return {
      pid: proc.pid,
      pgid: proc.pgid,
      sid: proc.sid,
      startId: proc.startId,
      onData: (cb) => proc.onData(cb),
      onExit: (cb) => proc.onExit(cb),
      pause: () => proc.pause(),
      resume: () => proc.resume(),
      async terminate(graceMs) {
        await terminateRun({ runId, pgid: proc.pgid, sid: proc.sid, leaderPid: proc.pid, leaderStartId: proc.startId }, { graceMs });
      },
    };
  },
};

export interface RunOutputHooks {
  /** Live output, already redacted, at its log offset. */
  emitOutput(offset: number, data: Buffer): void;
  /** Structured events the adapter parsed (in order). */
  onEvents(events: AdapterEvent[]): void;
  /** The adapter reported its session id (once per distinct id). */
  onSession(sessionId: string): void;
  /** The log could not be written: the run must stop. */
  onLogError(err: Error): void;
}

/** What the output path knew when the process ended. */
export interface RunOutputEnd {
  logBytes: number;
  logSha256: string;
  lastOutputLine: string | null;
  result: AdapterResult;
}

/** Connects a handle's output to the parser, the log, live events and the last line. */
export class RunOutput {
  private readonly batcher: OutputBatcher;
  private readonly lastLine = createLastLineTracker();
  private paused = false;
  private reportedSession: string | null = null;

  constructor(
    private readonly handle: RunHandle,
    private readonly writer: RunLogWriter,
    private readonly parser: OutputParser,
    readonly redactor: Redactor,
    private readonly hooks: RunOutputHooks,
  ) {
    this.batcher = createOutputBatcher({ emit: hooks.emitOutput });
    handle.onData((chunk) => this.onChunk(chunk));
    writer.onDrain(() => {
      if (!this.paused) return;
      this.paused = false;
      handle.resume();
    });
    writer.onError((err) => hooks.onLogError(err));
  }

  get logBytes(): number {
    return this.writer.bytes;
  }

  get lastOutputLine(): string | null {
    return this.lastLine.get();
  }

  private onChunk(chunk: Buffer): void {
    const events = this.parser.push(chunk);
    const { offset, data } = this.writer.append(chunk);
    if (data.length > 0) {
      this.batcher.push(offset, data);
      this.lastLine.push(data);
    }
    if (events.length > 0) {
      this.hooks.onEvents(events);
      this.checkSession();
    }
    if (this.writer.needsDrain && !this.paused) {
      this.paused = true;
      this.handle.pause();
    }
  }

  private checkSession(): void {
    const { sessionId } = this.parser.result();
    if (!sessionId || sessionId === this.reportedSession) return;
    this.reportedSession = sessionId;
    this.hooks.onSession(sessionId);
  }

  /** After the exit: the redactor's held-back tail, the last events, the log closed. */
  async end(): Promise<RunOutputEnd> {
    const last = this.writer.end();
    if (last.data.length > 0) {
      this.batcher.push(last.offset, last.data);
      this.lastLine.push(last.data);
    }
    this.batcher.flush();
    const closed = await this.writer.close();
    this.batcher.close();
    const events = this.parser.end();
    if (events.length > 0) this.hooks.onEvents(events);
    return { logBytes: closed.bytes, logSha256: closed.sha256, lastOutputLine: this.lastLine.get(), result: this.parser.result() };
  }
}
