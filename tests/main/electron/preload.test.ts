// The preload as the renderer sees it, wired to the main-process IPC code over fake channels.
import type { WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { forwardEvents, serveIpc } from '../../../src/main/electron/ipc';
import { IPC_CALL, IPC_EVENT, type VigilBridge } from '../../../src/shared/bridge';
import { createFakeHost, fake, FakeWebContents, type FakeHost } from '../../helpers/fake-electron';
import { expectEventsUntilUnsubscribed, expectOnlyVigil, listOneRunningRun } from '../../helpers/bridge-contract';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

const APP_URL = 'file:///opt/vigil/out/renderer/index.html';
let host: FakeHost;
let bridge: VigilBridge;
let calls: unknown[][];

beforeEach(async () => {
  fake.reset();
  host = createFakeHost();
  calls = [];
  // Main side: the real handler; the renderer's contents relays sends back to ipcRenderer.
  const contents = new FakeWebContents();
  contents.send = (channel, payload) => void fake.ipcRenderer.emit(channel, { sender: null }, payload);
  const asElectron = contents as unknown as WebContents;
  serveIpc(host.api, (sender) => sender === asElectron);
  forwardEvents(host.events, () => asElectron);
  fake.ipcRenderer.invokeHandler = (channel, ...args) => {
    calls.push([channel, ...args]);
    return fake.ipcMain.invoke(channel, contents, APP_URL, ...args);
  };
  vi.resetModules();
  await import('../../../src/preload/index');
  bridge = fake.contextBridge.exposed.vigil as VigilBridge;
});

describe('window.vigil', () => {
  it('is the only thing exposed, and has exactly invoke and onEvent', () => {
    expectOnlyVigil(fake.contextBridge.exposed);
  });

  it('invoke sends { method, params } on the call channel and resolves with the result', async () => {
    await listOneRunningRun(host, bridge);
    expect(calls).toEqual([[IPC_CALL, { method: 'runs.list', params: { status: 'running' } }]]);
  });

  it('invoke rejects with the code, message and field of a failed call', async () => {
    const failure = bridge.invoke('runs.list', { status: 'sleeping' as 'running' });
    await expect(failure).rejects.toMatchObject({ name: 'ContractError', code: 'invalid_input', field: 'status' });
    await expect(failure).rejects.toHaveProperty('message', expect.stringContaining('runs.list'));
    await expect(bridge.invoke('agents.get', { agent: 'x' })).rejects.toMatchObject({ code: 'internal' });
  });

  it('onEvent delivers host events until unsubscribed', () => {
    expectEventsUntilUnsubscribed(host, bridge, IPC_EVENT);
  });
});
