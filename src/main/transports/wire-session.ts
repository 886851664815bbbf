// One client connection's protocol, shared by the control socket and the WebSocket: parse a
// WireRequest, answer the transport-level subscribe/unsubscribe itself, hand everything else to
// the API, and turn every failure into a structured error for that client alone.
import type { Caller } from '../api';
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

export function createWireSession(host: HostLike, send: (message: WireMessage) => void): WireSession {
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
      if (request.method === SUBSCRIBE) {
        // Synchronous, so a client's next request already sees its events forwarded.
        unsubscribe ??= host.events.subscribe((event: HostEvent) => {
          if (!closed) send({ type: 'event', ...event });
        });
        answer({ id: request.id, ok: true, result: { subscribed: true } });
        return;
      }
      if (request.method === UNSUBSCRIBE) {
        stopEvents();
        answer({ id: request.id, ok: true, result: { subscribed: false } });
        return;
      }
      answer(await dispatch(host, request));
    },
    close() {
      closed = true;
      stopEvents();
    },
  };
}

/** One API call on behalf of a wire request; a run token makes the caller that run's agent. */
export async function dispatch(host: HostLike, request: Omit<WireRequest, 'id'> & { id?: WireRequest['id'] }): Promise<WireResponse> {
  const id = request.id ?? null;
  const caller: Caller = request.runToken !== undefined ? { kind: 'agent', runToken: request.runToken } : { kind: 'user' };
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
