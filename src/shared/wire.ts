// The message shapes shared by the socket and WebSocket transports (one JSON document per
// line on the socket, one per message on the WebSocket). The Electron IPC transport carries
// the same request and response objects.
import { z } from 'zod';
import type { ContractErrorShape } from './errors';
import type { HostEvent } from './events';

export const WireRequest = z.object({
  id: z.union([z.string().max(100), z.number().int()]),
  method: z.string().max(100),
  params: z.unknown().optional(),
  /** A run token: the caller is that run's agent, limited to its own issue. */
  runToken: z.string().max(200).optional(),
});
export type WireRequest = z.infer<typeof WireRequest>;

export type WireResponse =
  | { id: string | number | null; ok: true; result: unknown }
  | { id: string | number | null; ok: false; error: ContractErrorShape };

export { SUBSCRIBE, UNSUBSCRIBE } from './wire-names';

export type WireEvent = { type: 'event' } & HostEvent;

/** Largest accepted request, in bytes. */
export const MAX_REQUEST_BYTES = 1 << 20;

/** The subprotocol every Vigil WebSocket speaks (the server selects it, never the token one). */
export const WS_PROTOCOL = 'vigil';
/** A browser cannot set headers on a WebSocket: it offers `vigil-token.<token>` as a subprotocol. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'vigil-token.';
