// A run's process and its output path, behind a small interface: the engine asks a RunSpawner for
// a RunSession and never touches node-pty itself. Whoever reads the pty also writes the run log
// (redacted, byte-exact, sha256, back-pressure): the data folder's pty host, a process that
// outlives this one (src/ptyhost/, reached through src/main/ptyhost/spawner.ts), or this very
// process (localPtySpawner: tests, or when no pty host can be had).
//
// The output path here: logged bytes at their log offset -> adapter parser (events, session id)
// -> one batched run.output event -> last output line. A run taken back after a restart replays
// its log from offset 0: bytes the last host had already handled only rebuild the parser's state.
// An adapter that parses nothing, with nobody watching live, is not sent the bytes at all: the
// pty host reports progress (the log's size and last bytes) instead, and sends the bytes again
// from the offset this host has as soon as someone watches.
import type { AdapterEvent, AdapterResult, OutputParser } from '../adapters/types';
import { createLastLineTracker } from '../../node/logs/last-line';
import { createOutputBatcher, type OutputBatcher } from '../../node/logs/output-batcher';
import type { RunLogStore } from '../../node/logs/run-log';
import { spawnLocalSession } from '../../node/process/pty-session';
import type { SpawnSpec } from '../../node/process/pty';
import type { PtyExitInfo } from '../../shared/ptyhost-protocol';
import type { RunSession } from '../../node/process/run-session';

export type { SpawnSpec } from '../../node/process/pty';

/** How the leader ended, and the log it left (as the pty host reports it, or this process's pty). */
export type RunExit = PtyExitInfo;
export type { RunSession } from '../../node/process/run-session';

export interface RunSpawner {
  /**
   * Starts the command with the run's cookie (VIGIL_RUN_ID in spec.env), its log masking
   * `secrets`; rejects with SpawnError when it cannot.
   */
  spawn(runId: string, spec: SpawnSpec, secrets: string[]): Promise<RunSession>;
}

/** Spawns in ptys owned by this process: the runs end with it. */
export function localPtySpawner(logs: RunLogStore): RunSpawner {
  return {
    spawn: async (runId, spec, secrets) => spawnLocalSession(runId, spec, secrets, logs),
  };
}

export interface RunOutputHooks {
  /** Live output, already redacted, at its log offset. */
  emitOutput(offset: number, data: Buffer): void;
  /** Whether anyone listens for live output now: if not, it is neither batched nor encoded. */
  outputListened(): boolean;
  /** Calls `cb` whenever what outputListened() answers may have changed; returns the unwatch. */
  watchListened(cb: () => void): () => void;
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
  private lastLine: ReturnType<typeof createLastLineTracker>;
  private reportedSession: string | null = null;
  private seen = 0;
  /** Whether the handle sends the bytes (else progress only: nothing parses them, nobody watches). */
  private streaming = true;
  private unwatch: (() => void) | null = null;

  /**
   * `handledThrough`: the log offset up to which an earlier host already stored this run's
   * events and showed its output (0 for a new run). Bytes below it only rebuild the parser.
   */
  constructor(
    handle: RunSession,
    private readonly parser: OutputParser,
    private readonly hooks: RunOutputHooks,
    private readonly handledThrough = 0,
  ) {
    // Only while someone listens: unwatched output costs no batching or base64.
    this.batcher = createOutputBatcher({ emit: hooks.emitOutput, listening: hooks.outputListened });
    // Escapes stripped can join a secret split by them: the line is redacted again once plain.
    this.lastLine = createLastLineTracker(500, hooks.redactLine);
    handle.onOutput((offset, data) => this.onChunk(offset, data));
    if (parser.readsOutput === false && handle.streamOutput && handle.onProgress) {
      handle.onProgress((bytes, tail) => this.onProgress(bytes, tail));
      this.unwatch = hooks.watchListened(() => this.chooseStream(handle));
      this.chooseStream(handle);
    }
  }

  /** The bytes only while someone watches live; a new watcher's stream starts where this host is. */
  private chooseStream(handle: RunSession): void {
    const want = this.hooks.outputListened();
    if (want === this.streaming) return;
    this.streaming = want;
    handle.streamOutput!(want ? this.seen : null);
  }

  /** Progress stands for bytes not sent: the log's size, and the last line read from its end. */
  private onProgress(bytes: number, tail: Buffer): void {
    // Sent before the bytes were asked for again: they come from `seen` on, each one.
    if (this.streaming || bytes <= this.seen) return;
    this.seen = bytes;
    this.lastLine = lineOf(tail, this.hooks.redactLine);
  }

  /** Log bytes seen so far: events of every byte below are parsed (and queued by the hooks). */
  get logBytes(): number {
    return this.seen;
  }

  get lastOutputLine(): string | null {
    return this.lastLine.get();
  }

  private onChunk(offset: number, data: Buffer): void {
    // Asked again from an offset, the pty host may resend bytes already here: each is taken once.
    if (offset + data.length <= this.seen && data.length > 0) return;
    if (offset < this.seen) {
      data = data.subarray(this.seen - offset);
      offset = this.seen;
    }
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

  /** The run is no longer this host's (lost): nothing more is asked of its handle. */
  release(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  /** After the exit: the last live chunk and events out, the log's final figures in. */
  end(exit: RunExit): RunOutputEnd {
    this.unwatch?.();
    this.batcher.flush();
    if (!this.streaming && exit.lastBytes) {
      // Without the bytes, the last line comes from the end of the log the exit reports, and what
      // reads output beside the adapter (a usage limit, said as the CLI gives up) reads it there.
      const tail = Buffer.from(exit.lastBytes, 'base64');
      this.lastLine = lineOf(tail, this.hooks.redactLine);
      const events = this.parser.push(tail);
      if (events.length > 0) this.hooks.onEvents(events);
    }
    this.batcher.close();
    const events = this.parser.end();
    if (events.length > 0) this.hooks.onEvents(events);
    return { logBytes: exit.logBytes, logSha256: exit.logSha256, lastOutputLine: this.lastLine.get(), result: this.parser.result() };
  }
}

function lineOf(tail: Buffer, redactLine: (text: string) => string): ReturnType<typeof createLastLineTracker> {
  const tracker = createLastLineTracker(500, redactLine);
  tracker.push(tail);
  return tracker;
}
