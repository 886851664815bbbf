import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireDataDirLock, type DataDirLock } from '../../../src/main/db/lock';
import { launchDesktopApp, type DesktopDeps } from '../../../src/main/electron/app';
import { startHost } from '../../../src/main/host';
import type { HostOptions } from '../../../src/main/host-types';
import { controlSocketPath, defaultUserDataDir } from '../../../src/node/paths';
import { createFakeHost, fake, FakeBrowserWindow, FakeTray, timeline, type FakeHost } from '../../helpers/fake-electron';
import { tempDir } from '../../helpers/stores';
import { mountSmallFs } from '../../helpers/small-fs';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

interface Launch {
  host: FakeHost;
  hostOptions: HostOptions[];
  socketPaths: string[];
  signals: EventEmitter;
  deps: DesktopDeps;
}

function setup(env: NodeJS.ProcessEnv, overrides: Partial<DesktopDeps> = {}, host = createFakeHost()): Launch {
  const hostOptions: HostOptions[] = [];
  const socketPaths: string[] = [];
  const signals = new EventEmitter();
  const deps: DesktopDeps = {
    async startHost(options) {
      hostOptions.push(options);
      timeline.push('host started');
      return host;
    },
    async startControlSocket(_host, path) {
      socketPaths.push(path);
      timeline.push('socket started');
      return { close: async () => void timeline.push('socket closed') };
    },
    env,
    platform: 'linux',
    signals,
    ...overrides,
  };
  return { host, hostOptions, socketPaths, signals, deps };
}

async function shownWindow(): Promise<FakeBrowserWindow> {
  await vi.waitFor(() => expect(fake.window().visible).toBe(true));
  return fake.window();
}

/** The app launched in this test's data folder, ready: its window once shown. */
async function launchedWindow(): Promise<FakeBrowserWindow> {
  const { deps } = setup({ VIGIL_HOME: dir.dir });
  launchDesktopApp(deps);
  fake.app.markReady();
  return shownWindow();
}

let dir: { dir: string; cleanup: () => void };
beforeEach(() => {
  fake.reset();
  dir = tempDir('vigil-electron-');
});
afterEach(() => dir.cleanup());

describe('start-up', () => {
  it('waits for ready, then starts the host, then the control socket, then shows the window', async () => {
    const { deps, hostOptions, socketPaths } = setup({ VIGIL_HOME: dir.dir, DATABASE_URL: 'postgres://localhost/vigil' });
    const { started } = launchDesktopApp(deps);
    await Promise.resolve();
    expect(timeline).toEqual([]);

    fake.app.markReady();
    expect(await started).toBe(true);
    await shownWindow();
    expect(timeline).toEqual(['app ready', 'host started', 'socket started', 'window created', 'window shown']);
    expect(hostOptions).toEqual([
      {
        dataDir: dir.dir,
        databaseUrl: 'postgres://localhost/vigil',
        cliPath: join(fake.app.getAppPath(), 'bin', 'vigil'),
        pickFolder: expect.any(Function),
        openFolder: expect.any(Function),
        // The agents' pty host runs from the app's own executable (in Node mode).
        ptyHost: { runtime: process.execPath, script: join(fake.app.getAppPath(), 'out', 'main', 'ptyhost.js') },
        // A first start unpacks the database template built with the app.
        dbTemplate: join(fake.app.getAppPath(), 'out', 'main', 'db-template.tar.gz'),
        machineId: undefined,
        machineName: undefined,
      },
    ]);
    // An issue's worktree opens in the file manager through Electron's shell.
    expect(await hostOptions[0].openFolder!('/tmp/some-worktree', 'files')).toBe('the file manager');
    expect(fake.shell.openedPaths).toEqual(['/tmp/some-worktree']);
    expect(socketPaths).toEqual([controlSocketPath(dir.dir)]);
    expect(fake.tray().destroyed).toBe(false);
  });

  it('is named Vigil and keeps its data in the userData folder the CLI defaults to', async () => {
    const env = { XDG_CONFIG_HOME: join(dir.dir, 'config'), APPDATA: join(dir.dir, 'appdata') };
    const { deps, hostOptions } = setup(env);
    launchDesktopApp(deps);
    expect(fake.app.getName()).toBe('Vigil');
    expect(fake.app.getPath('userData')).toBe(defaultUserDataDir(process.platform, env));
    fake.app.markReady();
    await shownWindow();
    expect(hostOptions[0].dataDir).toBe(fake.app.getPath('userData'));
  });

  it('with VIGIL_HOME, uses that folder for the data and the single-instance lock', () => {
    const { deps } = setup({ VIGIL_HOME: dir.dir });
    launchDesktopApp(deps);
    expect(fake.app.getPath('userData')).toBe(dir.dir);
  });

  it('when the folder is locked by another Vigil: says so, quits, and never opens a window', async () => {
    const lock: DataDirLock = acquireDataDirLock(dir.dir);
    try {
      const { deps } = setup({ VIGIL_HOME: dir.dir }, { startHost });
      const { started } = launchDesktopApp(deps);
      fake.app.markReady();
      expect(await started).toBe(false);
      expect(fake.dialog.errorBoxes).toHaveLength(1);
      const [box] = fake.dialog.errorBoxes;
      expect(box.title).toBe('Vigil is already running');
      expect(box.content).toContain(dir.dir);
      expect(box.content).toContain(`pid ${process.pid}`);
      expect(box.content).toContain('changed nothing');
      expect(fake.app.exitCode).toBe(1);
      expect(FakeBrowserWindow.all).toHaveLength(0);
      expect(FakeTray.all).toHaveLength(0);
    } finally {
      lock.release();
    }
  });

  it('when the database cannot be opened: the reason is in the error box, never the DATABASE_URL password', async () => {
    const { deps } = setup(
      { VIGIL_HOME: dir.dir, DATABASE_URL: 'postgres://vigil:hunter2@db.example/vigil' },
      {
        startHost: () => Promise.reject(new Error('the database is corrupt and no verified backup could be restored')),
      },
    );
    const { started } = launchDesktopApp(deps);
    fake.app.markReady();
    expect(await started).toBe(false);
    const [box] = fake.dialog.errorBoxes;
    expect(box.title).toBe('Vigil could not start');
    expect(box.content).toContain('no verified backup could be restored');
    expect(box.content).toContain('DATABASE_URL');
    expect(box.content).not.toContain('hunter2');
    expect(fake.app.exitCode).toBe(1);
    expect(FakeBrowserWindow.all).toHaveLength(0);
    expect(timeline).not.toContain('socket started');
  });

  it('on a full disk (injected ENOSPC): says in words what failed, the folder and the fix, never the raw ENOSPC', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    const { deps } = setup({ VIGIL_HOME: dir.dir }, { startHost: () => Promise.reject(enospc) });
    const { started } = launchDesktopApp(deps);
    fake.app.markReady();
    expect(await started).toBe(false);
    const [box] = fake.dialog.errorBoxes;
    expect(box.title).toBe('Vigil could not start: the disk is full');
    expect(box.content).toContain(`the disk holding ${dir.dir} is full`);
    expect(box.content).toContain('free space there and start Vigil again');
    expect(box.content).not.toMatch(/ENOSPC|no space left on device/);
    expect(fake.app.exitCode).toBe(1);
  });

  const isRoot = process.getuid?.() === 0;
  if (!isRoot) console.log('the real full-disk start-up test is skipped: mounting a small tmpfs needs root (CI runs as root)');
  it.skipIf(!isRoot)('on a real full disk (a full tmpfs as VIGIL_HOME): the real start-up says the folder and the fix', async () => {
    const small = mountSmallFs(256 * 1024);
    if (!small) throw new Error('mounting a tmpfs failed although running as root');
    try {
      const home = join(small.dir, 'vigil');
      mkdirSync(home);
      // Fill it to the last byte.
      const fd = openSync(join(small.dir, 'filler'), 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      const { deps } = setup({ VIGIL_HOME: home }, { startHost });
      const { started } = launchDesktopApp(deps);
      fake.app.markReady();
      expect(await started).toBe(false);
      const [box] = fake.dialog.errorBoxes;
      expect(box.title).toBe('Vigil could not start: the disk is full');
      expect(box.content).toContain(`the disk holding ${home} is full`);
      expect(box.content).not.toMatch(/ENOSPC|no space left on device/);
      expect(fake.app.exitCode).toBe(1);
      expect(FakeBrowserWindow.all).toHaveLength(0);
    } finally {
      small.unmount();
    }
  }, 60_000);

  it('tells the user what start-up restored or recovered, once the window shows', async () => {
    const host = createFakeHost({ notices: ['Restored the database from the backup of 10:02.', 'Recovered after an unclean stop: 2 lost run(s) failed.'] });
    const { deps } = setup({ VIGIL_HOME: dir.dir }, {}, host);
    launchDesktopApp(deps);
    fake.app.markReady();
    await vi.waitFor(() => expect(fake.dialog.messageBoxes).toHaveLength(1));
    expect(timeline.indexOf('message box')).toBeGreaterThan(timeline.indexOf('window shown'));
    expect(fake.dialog.messageBoxes[0].detail).toContain('Restored the database from the backup of 10:02.');
    expect(fake.dialog.messageBoxes[0].detail).toContain('2 lost run(s) failed');
  });

  it('shows no notice box after a clean start', async () => {
    await launchedWindow();
    expect(fake.dialog.messageBoxes).toHaveLength(0);
  });

  it('packaged, writes its own `vigil` launcher into the data folder and hands it to the host', async () => {
    fake.app.isPackaged = true;
    const { deps, hostOptions } = setup({ VIGIL_HOME: dir.dir });
    launchDesktopApp(deps);
    fake.app.markReady();
    await shownWindow();
    const launcher = join(dir.dir, 'bin', 'vigil');
    expect(hostOptions[0].cliPath).toBe(launcher);
    const script = readFileSync(launcher, 'utf8');
    expect(script).toContain(`ELECTRON_RUN_AS_NODE=1 exec '${process.execPath}' '${join(fake.app.getAppPath(), 'out', 'main', 'cli.js')}' "$@"`);
    expect(fake.dialog.messageBoxes).toHaveLength(0);
  });

  it('packaged, still opens when the launcher cannot be written, and says agents cannot call back', async () => {
    fake.app.isPackaged = true;
    writeFileSync(join(dir.dir, 'bin'), 'a file where the launcher folder should be');
    const { deps, hostOptions } = setup({ VIGIL_HOME: dir.dir });
    const { started } = launchDesktopApp(deps);
    fake.app.markReady();
    expect(await started).toBe(true);
    expect(hostOptions[0].cliPath).toBeUndefined();
    await vi.waitFor(() => expect(fake.dialog.messageBoxes).toHaveLength(1));
    expect(fake.dialog.messageBoxes[0].detail).toMatch(/Agents cannot call back through the vigil command: its launcher could not be written \(.*(EEXIST|ENOTDIR)/);
  });

  it('still opens when the control socket fails, and says the CLI cannot reach it', async () => {
    const { deps } = setup({ VIGIL_HOME: dir.dir }, { startControlSocket: () => Promise.reject(new Error('EADDRINUSE')) });
    const { started } = launchDesktopApp(deps);
    fake.app.markReady();
    expect(await started).toBe(true);
    await vi.waitFor(() => expect(fake.dialog.messageBoxes).toHaveLength(1));
    expect(fake.dialog.messageBoxes[0].detail).toMatch(/command line cannot reach this app.*EADDRINUSE/);
  });
});

describe('one instance', () => {
  it('quits a second launch before it starts anything', async () => {
    fake.app.singleInstance = false;
    const { deps } = setup({ VIGIL_HOME: dir.dir });
    const { started } = launchDesktopApp(deps);
    expect(await started).toBe(false);
    expect(fake.app.exitCode).toBe(0);
    fake.app.markReady();
    await Promise.resolve();
    expect(timeline).not.toContain('host started');
    expect(FakeBrowserWindow.all).toHaveLength(0);
  });

  it('a second launch brings the first window back: restored, shown, focused', async () => {
    const window = await launchedWindow();
    window.minimize();
    window.hide();
    fake.app.emit('second-instance', {}, ['vigil'], '/home');
    expect(window.visible).toBe(true);
    expect(window.isMinimized()).toBe(false);
    expect(window.focused).toBe(true);
    expect(FakeBrowserWindow.all).toHaveLength(1);
  });
});

describe('the window and the tray', () => {
  it('closing the window hides it: the app, its host and its tray keep running', async () => {
    const { deps, host } = setup({ VIGIL_HOME: dir.dir });
    launchDesktopApp(deps);
    fake.app.markReady();
    const window = await shownWindow();
    window.close();
    expect(window.isDestroyed()).toBe(false);
    expect(window.visible).toBe(false);
    expect(fake.app.exitCode).toBeNull();
    expect(host.closed).toBe(false);
    expect(fake.tray().destroyed).toBe(false);

    fake.app.emit('activate');
    expect(window.visible).toBe(true);
  });

  it('"Open Vigil" in the tray brings the hidden window back', async () => {
    const window = await launchedWindow();
    window.close();
    fake.tray().click('Open Vigil');
    expect(window.visible).toBe(true);

    window.close();
    fake.tray().emit('click');
    expect(window.visible).toBe(true);
  });

  it('a destroyed window is created again on demand, and the app stays up without one', async () => {
    const first = await launchedWindow();
    first.destroy();
    expect(fake.app.exitCode).toBeNull();
    fake.app.emit('activate');
    expect(FakeBrowserWindow.all).toHaveLength(2);
    await vi.waitFor(() => expect(FakeBrowserWindow.all[1].visible).toBe(true));
  });
});
