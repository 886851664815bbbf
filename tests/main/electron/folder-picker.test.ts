// `setup.pickFolder` in the desktop app: through the contract (the IPC channel, the real host on
// a temp PGlite folder) to Electron's native folder dialog, with `electron` replaced.
import { mkdtempSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchDesktopApp } from '../../../src/main/electron/app';
import { startHost } from '../../../src/main/host';
import { IPC_CALL, type IpcEnvelope } from '../../../src/shared/bridge';
import { fake, type FakeBrowserWindow } from '../../helpers/fake-electron';
import { tempDir } from '../../helpers/stores';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

let dir: { dir: string; cleanup: () => void };
let window: FakeBrowserWindow;
let signals: EventEmitter;

const call = (method: string, params: unknown = {}) => fake.ipcMain.invoke(IPC_CALL, window.webContents, window.webContents.url, { method, params }) as Promise<IpcEnvelope>;

beforeAll(async () => {
  fake.reset();
  dir = tempDir('vigil-electron-picker-');
  signals = new EventEmitter();
  launchDesktopApp({
    startHost: (options) => startHost({ ...options, startScheduler: false, backupOnStart: false }),
    startControlSocket: async () => ({ close: () => undefined }),
    env: { VIGIL_HOME: dir.dir },
    platform: 'linux',
    signals,
  });
  fake.app.markReady();
  // A PGlite start takes tens of seconds on a loaded machine.
  await vi.waitFor(() => expect(fake.window().visible).toBe(true), { timeout: 150_000, interval: 200 });
  window = fake.window();
}, 180_000);

afterAll(async () => {
  signals.emit('SIGTERM');
  await vi.waitFor(() => expect(fake.app.exitCode).toBe(0), { timeout: 60_000 });
  dir.cleanup();
}, 90_000);

describe('the folder picker of the desktop app', () => {
  it('is announced as native by setup.detect', async () => {
    expect(await call('setup.detect')).toMatchObject({ ok: true, result: { folderPicker: 'native' } });
  });

  it('opens the native dialog over the app window, for folders only, and answers the chosen one', async () => {
    const chosen = mkdtempSync(join(tmpdir(), 'vigil-picked-'));
    try {
      fake.dialog.openAnswer = () => ({ canceled: false, filePaths: [chosen] });
      const answer = await call('setup.pickFolder', { title: 'Folder for claude', defaultPath: tmpdir() });
      expect(answer).toEqual({ ok: true, result: { path: chosen } });
      expect(fake.dialog.openDialogs).toHaveLength(1);
      const [shown] = fake.dialog.openDialogs;
      expect(shown.parent).toBe(window);
      expect(shown.options.title).toBe('Folder for claude');
      expect(shown.options.defaultPath).toBe(tmpdir());
      expect(shown.options.properties).toContain('openDirectory');
      expect(shown.options.properties).not.toContain('openFile');
    } finally {
      rmSync(chosen, { recursive: true, force: true });
    }
  });

  it('answers null when the dialog is cancelled', async () => {
    fake.dialog.openAnswer = () => ({ canceled: true, filePaths: [] });
    expect(await call('setup.pickFolder')).toEqual({ ok: true, result: { path: null } });
  });
});
