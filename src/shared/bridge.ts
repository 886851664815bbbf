// What the preload exposes to the renderer as `window.vigil`, and what the browser's WebSocket
// client implements too: the renderer codes against this one interface.
import type { CallName, CallInput, CallOutput } from './contract';
import type { ContractErrorShape } from './errors';
import type { HostEvent } from './events';

export interface VigilBridge {
  invoke<N extends CallName>(method: N, params: CallInput<N>): Promise<CallOutput<N>>;
  /** Every host event; returns the unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
}

/** IPC channel names (Electron transport). */
export const IPC_CALL = 'vigil:call';
export const IPC_EVENT = 'vigil:event';

/** Electron drops a thrown error's fields across IPC, so calls answer with this envelope. */
export type IpcEnvelope = { ok: true; result: unknown } | { ok: false; error: ContractErrorShape };

declare global {
  interface Window {
    vigil?: VigilBridge;
  }
}
