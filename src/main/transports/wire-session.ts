// One client connection's protocol, shared by the control socket and the WebSocket: parse a
// WireRequest, answer the transport-level subscribe/unsubscribe itself, hand everything else to
// the API, and turn every failure into a structured error for that client alone.
import type { AgentScope, Caller } from '../api';
import type { HostLike } from '../host-types';
import { ContractError, type ContractErrorShape } from '../../shared/errors';
import type { HostEvent } from '../../shared/events';
import { MAX_REQUEST_BYTES, SUBSCRIBE, UNSUBSCRIBE, WireRequest, type WireEvent, type WireResponse } from '../../shared/wire';

/**
 * Bytes a connection may have queued and unsent before it is dropped. A runs.log page is
 * ~1.4 MB of base64, so this leaves room for a few of them plus bursts of live output.
 */
export const MAX_OUTBOUND_BYTES = 16 << 20;
/**
 * Unread bytes past which a connection is not served further (no request of it is started, its
 * transport stops reading) until its client reads; if it reads nothing for UNREAD_STALL_MS, it is
 * closed. A client that sends thousands of requests and never reads its answers costs the host
 * one bound's worth of work, not the other clients their answers.
 */
export const MAX_UNREAD_BYTES = 1 << 20;
export const UNREAD_STALL_MS = 10_000;
const UNREAD_POLL_MS = 100;

export interface UnreadGuard {
  /** After each write: holds the connection past the bound, drops it past the hard one. */
  wrote(): void;
  stop(): void;
}

/**
 * Watches a connection's unread answers (`buffered`: bytes written and not yet taken by the
 * peer). `hold(true)` when they pass MAX_UNREAD_BYTES, `hold(false)` once the client has read
 * them down; `drop` when they pass MAX_OUTBOUND_BYTES or stay unread (no progress) too long.
 */
export function createUnreadGuard(buffered: () => number, hold: (held: boolean) => void, drop: (reason: string) => void, stallMs = UNREAD_STALL_MS): UnreadGuard {
  let timer: NodeJS.Timeout | null = null;
  let lowest = 0;
  let progressAt = 0;
  const release = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  const check = () => {
    const now = buffered();
    if (now <= MAX_UNREAD_BYTES / 2) {
      release();
      hold(false);
    } else if (now < lowest) {
      lowest = now;
      progressAt = Date.now();
    } else if (Date.now() - progressAt > stallMs) {
      release();
      drop(`the client left ${now} bytes of answers unread for ${Math.round(stallMs / 1000)} s`);
    }
  };
  return {
    wrote() {
      const now = buffered();
      if (now > MAX_OUTBOUND_BYTES) {
        release();
        drop('the client did not read its messages fast enough');
      } else if (now > MAX_UNREAD_BYTES && !timer) {
        lowest = now;
        progressAt = Date.now();
        hold(true);
        timer = setInterval(check, UNREAD_POLL_MS);
        timer.unref();
      }
    },
    stop: release,
  };
}

export type WireMessage = WireResponse | WireEvent;

export interface WireSession {
  /** Handles one received document (a socket line or a WebSocket message). */
  receive(text: string): Promise<void>;
  /** Stops forwarding events; pending answers are dropped. */
  close(): void;
}

export interface WireSessionOptions {
  /**
   * The run cookie (VIGIL_RUN_ID) of the connected process or its ancestors, once known; null
   * when it carries none. Only the control socket can tell (it sees the peer's pid). Rejects
   * when the peer could not be identified: every request is then refused with that error.
   */
  processRunId?: Promise<string | null>;
}

export function createWireSession(host: HostLike, send: (message: WireMessage) => void, opts: WireSessionOptions = {}): WireSession {
  let unsubscribe: (() => void) | null = null;
  let closed = false;

  const answer = (message: WireResponse) => {
    if (!closed) send(message);
  };

  const stopEvents = () => {
    unsubscribe?.();
    unsubscribe = null;
  };

  return {
    async receive(text) {
      if (closed) return;
      if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) {
        answer(failure(null, tooLarge()));
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (err) {
        answer(failure(null, new ContractError('invalid_input', `malformed JSON: ${(err as Error).message}`)));
        return;
      }
      const parsed = WireRequest.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join('.') || undefined;
        const message = `malformed request: ${field ?? '(request)'}: ${issue?.message ?? 'expected an object'}`;
        answer(failure(salvageId(raw), new ContractError('invalid_input', message, field)));
        return;
      }
      const request = parsed.data;
      // Every request of a connection waits for the same lookup, so they keep their order.
      let processRunId: string | undefined;
      try {
        processRunId = (await opts.processRunId) ?? undefined;
      } catch (err) {
        answer(failure(request.id, err));
        return;
      }
      if (closed) return;
      if (request.method === SUBSCRIBE) {
        const caller = callerOf(request, processRunId);
        let scope: AgentScope | null = null;
        if (caller.kind === 'agent' || caller.processRunId !== undefined) {
          try {
            scope = await host.api.scopeOf(caller);
          } catch (err) {
            answer(failure(request.id, err));
            return;
          }
          if (closed) return;
        }
        // Synchronous from here, so a client's next request already sees its events forwarded.
        // A run's agent sees its own run's events only.
        unsubscribe ??= host.events.subscribe((event: HostEvent) => {
          if (!closed && (scope === null || isEventOfRun(event, scope.runId))) send({ type: 'event', ...event });
        });
        answer({ id: request.id, ok: true, result: { subscribed: true } });
        return;
      }
      if (request.method === UNSUBSCRIBE) {
        stopEvents();
        answer({ id: request.id, ok: true, result: { subscribed: false } });
        return;
      }
      answer(await dispatch(host, request, processRunId));
    },
    close() {
      closed = true;
      stopEvents();
    },
  };
}

function callerOf(request: Pick<WireRequest, 'runToken'>, processRunId?: string): Caller {
  const cookie = processRunId === undefined ? {} : { processRunId };
  return request.runToken !== undefined ? { kind: 'agent', runToken: request.runToken, ...cookie } : { kind: 'user', ...cookie };
}

function isEventOfRun(event: HostEvent, runId: string): boolean {
  if (event.event === 'run.created' || event.event === 'run.updated') return event.data.id === runId;
  if (event.event === 'run.output') return event.data.runId === runId;
  return false;
}

/**
 * Bounds the work of one connection: at most `limit` of its documents are being handled at
 * once, and the ones already received beyond that wait here, in order, while the transport
 * stops reading (`setReading(false)`). A client that sends a burst in one write only slows
 * itself; the host keeps answering other connections in between.
 */
export function createBoundedReceiver(
  limit: number,
  handle: (text: string) => Promise<void>,
  setReading: (reading: boolean) => void,
): { push(text: string): void; clear(): void; hold(held: boolean): void } {
  const waiting: string[] = [];
  let head = 0;
  let inFlight = 0;
  let reading = true;
  let held = false;
  const pump = () => {
    while (!held && inFlight < limit && head < waiting.length) {
      const text = waiting[head++];
      inFlight++;
      void handle(text).finally(() => {
        inFlight--;
        pump();
      });
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
    }
    const wantReading = !held && inFlight < limit && waiting.length === 0;
    if (wantReading !== reading) {
      reading = wantReading;
      setReading(reading);
    }
  };
  return {
    push(text) {
      waiting.push(text);
      pump();
    },
    clear() {
      waiting.length = 0;
      head = 0;
    },
    /** Held: nothing more of this connection is started, and its transport stops reading. */
    hold(on) {
      held = on;
      pump();
    },
  };
}

/** One API call on behalf of a wire request; a run token (or the caller's run cookie) makes the caller that run's agent. */
export async function dispatch(
  host: HostLike,
  request: Omit<WireRequest, 'id'> & { id?: WireRequest['id'] },
  processRunId?: string,
): Promise<WireResponse> {
  const id = request.id ?? null;
  const caller = callerOf(request, processRunId);
  try {
    const result = await host.api.invoke(request.method, request.params, caller);
    return { id, ok: true, result: result ?? null };
  } catch (err) {
    return failure(id, err);
  }
}

export function failure(id: string | number | null, err: unknown): WireResponse {
  return { id, ok: false, error: toErrorShape(err) };
}

export function toErrorShape(err: unknown): ContractErrorShape {
  if (err instanceof ContractError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: message.split('\n')[0].slice(0, 500) };
}

export const tooLarge = () => new ContractError('invalid_input', `request too large: the limit is ${MAX_REQUEST_BYTES} bytes`);

/** The id of a request that failed validation, when it has a usable one, so the client can match the error. */
function salvageId(raw: unknown): string | number | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const id = (raw as { id?: unknown }).id;
  if (typeof id === 'string' && id.length <= 100) return id;
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  return null;
}
