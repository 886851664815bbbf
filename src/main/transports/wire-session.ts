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
): { push(text: string): void; clear(): void } {
  const waiting: string[] = [];
  let head = 0;
  let inFlight = 0;
  let reading = true;
  const pump = () => {
    while (inFlight < limit && head < waiting.length) {
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
    const wantReading = inFlight < limit && waiting.length === 0;
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
