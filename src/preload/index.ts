// The renderer's only way to the host: `window.vigil`, exactly { invoke, onEvent }. It runs
// sandboxed, so it imports nothing but electron and bundled constants.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL, IPC_EVENT, type IpcEnvelope, type VigilBridge } from '../shared/bridge';
import type { ContractErrorShape } from '../shared/errors';
import type { HostEvent } from '../shared/events';

/**
 * A failed call rejects with { name, code, message, field }: contextBridge rebuilds a rejected
 * Error from its message alone, so an Error's code and field would never reach the renderer.
 * A plain object crosses whole.
 */
type BridgeError = ContractErrorShape & { name: 'ContractError' };

function rejection(error: ContractErrorShape): BridgeError {
  return error.field === undefined
    ? { name: 'ContractError', code: error.code, message: error.message }
    : { name: 'ContractError', code: error.code, message: error.message, field: error.field };
}

const bridge: VigilBridge = {
  async invoke(method, params) {
    const envelope = (await ipcRenderer.invoke(IPC_CALL, { method, params })) as IpcEnvelope;
    if (envelope.ok) return envelope.result as never;
    throw rejection(envelope.error);
  },
  onEvent(listener) {
    const forward = (_event: IpcRendererEvent, message: HostEvent) => listener(message);
    ipcRenderer.on(IPC_EVENT, forward);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, forward);
    };
  },
};

contextBridge.exposeInMainWorld('vigil', bridge);
