// The Electron transport: one invoke channel (IPC_CALL) carrying { method, params } into
// host.api.invoke, which validates every call against its contract schema; every host event
// pushed to the window on IPC_EVENT. Answers are IpcEnvelopes: Electron drops an error's fields
// when it crosses IPC, so nothing is thrown across it.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CALL, IPC_EVENT, type IpcEnvelope } from '../../shared/bridge';
import { ContractError } from '../../shared/errors';
import type { Api } from '../api';
import type { EventBus } from '../event-bus';

export async function answerCall(api: Api, trusted: boolean, request: unknown): Promise<IpcEnvelope> {
  if (!trusted) {
    return { ok: false, error: { code: 'forbidden', message: "calls are accepted from Vigil's own window only" } };
  }
  if (typeof request !== 'object' || request === null || !('method' in request)) {
    return { ok: false, error: { code: 'invalid_input', message: 'an IPC call is { method, params }', field: 'method' } };
  }
  const { method, params } = request as { method: unknown; params?: unknown };
  try {
    return { ok: true, result: await api.invoke(method, params) };
  } catch (err) {
    const error = err instanceof ContractError ? err : new ContractError('internal', `${String(method)} failed: ${(err as Error)?.message ?? String(err)}`);
    return { ok: false, error: error.toJSON() };
  }
}

/** Registers the call channel; returns its removal. */
export function serveIpc(api: Api, isOwnSender: (sender: WebContents, frameUrl: string | undefined) => boolean): () => void {
  ipcMain.handle(IPC_CALL, (event: IpcMainInvokeEvent, request: unknown) => {
    // Only the top frame speaks for the app (the CSP forbids frames; this holds regardless).
    const frame = event.senderFrame;
    const frameUrl = frame && frame.parent === null ? frame.url : undefined;
    return answerCall(api, isOwnSender(event.sender, frameUrl), request);
  });
  return () => ipcMain.removeHandler(IPC_CALL);
}

/** Forwards every host event to the window's renderer, when there is one. */
export function forwardEvents(events: EventBus, target: () => WebContents | null): () => void {
  return events.subscribe((event) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT, event);
  });
}
