// The IPC transport against the real host on a temp PGlite folder: one app for the file (a
// PGlite start is slow on a shared machine), so the tests use distinct names.
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchDesktopApp } from '../../../src/main/electron/app';
import { startHost } from '../../../src/main/host';
import type { Host } from '../../../src/main/host-types';
import { IPC_CALL, IPC_EVENT, type IpcEnvelope } from '../../../src/shared/bridge';
import type { HostEvent } from '../../../src/shared/events';
import { fake, FakeWebContents, type FakeBrowserWindow } from '../../helpers/fake-electron';
import { tempDir } from '../../helpers/stores';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

let dir: { dir: string; cleanup: () => void };
let host: Host;
let window: FakeBrowserWindow;
let appUrl: string;
let signals: EventEmitter;

const call = (request: unknown, sender = window.webContents, frameUrl = appUrl) =>
  fake.ipcMain.invoke(IPC_CALL, sender, frameUrl, request) as Promise<IpcEnvelope>;

const events = (): HostEvent[] => window.webContents.sent.filter((m) => m.channel === IPC_EVENT).map((m) => m.payload as HostEvent);

beforeAll(async () => {
  fake.reset();
  dir = tempDir('vigil-electron-ipc-');
  signals = new EventEmitter();
  launchDesktopApp({
    async startHost(options) {
      host = await startHost({ ...options, startScheduler: false });
      return host;
    },
    startControlSocket: async () => ({ close: () => undefined }),
    env: { VIGIL_HOME: dir.dir },
    platform: 'linux',
    signals,
  });
  fake.app.markReady();
  // A PGlite start takes 20 s and more on a loaded 2-core machine: a generous deadline.
  await vi.waitFor(() => expect(fake.window().visible).toBe(true), { timeout: 100_000 });
  window = fake.window();
  appUrl = window.webContents.url;
});

afterAll(async () => {
  signals.emit('SIGTERM');
  await vi.waitFor(() => expect(fake.app.exitCode).toBe(0), { timeout: 60_000 });
  dir.cleanup();
});

describe('IPC calls', () => {
  it('answer ok with the host result', async () => {
    const status = await call({ method: 'host.status', params: {} });
    expect(status).toMatchObject({ ok: true, result: { dataDir: dir.dir, database: 'pglite', pid: process.pid } });

    const created = await call({ method: 'agents.create', params: { name: 'builder', adapterType: 'process', command: 'true' } });
    expect(created).toMatchObject({ ok: true, result: { name: 'builder', status: 'idle' } });
    const listed = await call({ method: 'agents.get', params: { agent: 'builder' } });
    expect(listed).toMatchObject({ ok: true, result: { name: 'builder' } });
  });

  it('answer invalid_input naming the field, validated against the contract', async () => {
    const answer = await call({ method: 'agents.create', params: { name: 'no spaces allowed', adapterType: 'process', command: 'true' } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'name' } });
    const extra = await call({ method: 'host.status', params: { sneaky: true } });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('refuse an unknown method and a malformed request', async () => {
    expect(await call({ method: 'host.shell', params: {} })).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect(await call('host.status')).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'method' } });
    expect(await call(null)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('refuse a sender that is not the app: a foreign URL, another web contents', async () => {
    const foreignUrl = await call({ method: 'agents.create', params: { name: 'evil', adapterType: 'process', command: 'true' } }, window.webContents, 'https://evil.example/');
    expect(foreignUrl).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const otherContents = await call({ method: 'host.status', params: {} }, new FakeWebContents(), appUrl);
    expect(otherContents).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const evil = await call({ method: 'agents.get', params: { agent: 'evil' } });
    expect(evil).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('never throw across IPC: a failing call answers an envelope', async () => {
    const missing = await call({ method: 'agents.get', params: { agent: 'nobody' } });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(Object.keys((missing as { error: object }).error).sort()).toEqual(['code', 'message']);
  });
});

describe('host events', () => {
  it('reach the window as they happen', async () => {
    await call({ method: 'agents.create', params: { name: 'watcher', adapterType: 'process', command: 'true' } });
    await call({ method: 'host.pauseAll', params: {} });
    expect(events()).toContainEqual(expect.objectContaining({ event: 'agent.updated', data: expect.objectContaining({ name: 'watcher', status: 'paused' }) }));

    host.events.emit('host.notice', { level: 'info', message: 'hello renderer' });
    expect(events().at(-1)).toEqual({ event: 'host.notice', data: { level: 'info', message: 'hello renderer' } });
  });

  it('are dropped, not thrown, once the window is gone', async () => {
    const before = events().length;
    window.destroy();
    expect(() => host.events.emit('host.notice', { level: 'info', message: 'nobody listens' })).not.toThrow();
    expect(events()).toHaveLength(before);
  });
});
