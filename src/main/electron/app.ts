// The desktop app's lifecycle: one instance per data folder; on ready the host (its start-up
// recovery runs inside), then the control socket (so the CLI works while the app runs), then the
// window and the tray. Quitting closes the host cleanly before the process exits.
import { join } from 'node:path';
import { app, dialog, session, shell, type BrowserWindow } from 'electron';
import type { Host, HostOptions } from '../host-types';
import { APP_NAME, controlSocketPath, resolveDataDir } from '../../node/paths';
import { forwardEvents, serveIpc } from './ipc';
import { writeCliLauncher } from './cli-launcher';
import { nativeFolderPicker } from './folder-picker';
import { appLayout } from './layout';
import { Notifier } from './notifications';
import { electronOpener } from './open-folder';
import { QuitController } from './quit';
import { startupErrorText } from './startup-error';
import { failureInWords } from '../infrastructure/failure';
import { VigilTray } from './tray';
import { MainWindow, hardenSession } from './window';

export interface ControlSocket {
  close(): Promise<void> | void;
}

export interface DesktopDeps {
  startHost(options: HostOptions): Promise<Host>;
  startControlSocket(host: Host, socketPath: string): Promise<ControlSocket>;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Where SIGTERM and SIGINT arrive: the process (a test passes its own emitter). */
  signals?: Pick<NodeJS.EventEmitter, 'on'>;
}

export interface DesktopApp {
  /** True once the host runs and the window is up; false when this instance quit instead. */
  started: Promise<boolean>;
}

export function launchDesktopApp(deps: DesktopDeps): DesktopApp {
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const dataDir = resolveDataDir(null, env);
  const databaseUrl = env.DATABASE_URL || undefined;

  app.setName(APP_NAME);
  // The default data folder is Electron's userData for an app named Vigil; with VIGIL_HOME both
  // move there. Electron keys the single-instance lock on userData: one app per data folder.
  app.setPath('userData', dataDir);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { started: Promise.resolve(false) };
  }

  const layout = appLayout(app.getAppPath(), app.isPackaged, env);
  const window = new MainWindow(layout);
  let host: Host | null = null;
  let socket: ControlSocket | null = null;
  let tray: VigilTray | null = null;
  let notifier: Notifier | null = null;
  const stops: Array<() => void> = [];

  async function start(): Promise<boolean> {
    hardenSession(session.defaultSession, layout);
    const launcherNotices: string[] = [];
    let cliPath: string | undefined;
    try {
      const launcher = layout.cliLauncher;
      cliPath =
        launcher.kind === 'ready'
          ? launcher.path
          : writeCliLauncher({ dir: join(dataDir, 'bin'), runtime: process.execPath, cliScript: launcher.cliScript });
    } catch (err) {
      // Runs still work; only agents' calls back (comments, status) have no `vigil` to use.
      launcherNotices.push(`Agents cannot call back through the vigil command: its launcher could not be written (${failureInWords(err, join(dataDir, 'bin'))}).`);
    }
    try {
      host = await deps.startHost({
        dataDir,
        databaseUrl,
        cliPath,
        pickFolder: nativeFolderPicker(() => window.current()),
        openFolder: electronOpener(shell),
        machineId: env.VIGIL_MACHINE_ID || undefined,
        machineName: env.VIGIL_MACHINE_NAME || undefined,
        // The agents' ptys live in the pty host, run by this very executable in Node mode.
        ptyHost: { runtime: process.execPath, script: layout.ptyHostScript },
        dbTemplate: layout.dbTemplate,
      });
    } catch (err) {
      const text = startupErrorText(err, dataDir, databaseUrl !== undefined);
      dialog.showErrorBox(text.title, text.content);
      app.exit(1);
      return false;
    }
    const notices = [...host.info.notices, ...launcherNotices];
    try {
      socket = await deps.startControlSocket(host, controlSocketPath(dataDir));
    } catch (err) {
      // The app works without it; only the `vigil` command line cannot reach it. Say so.
      notices.push(`The vigil command line cannot reach this app: its control socket did not start (${(err as Error).message}).`);
    }
    const running = host;
    stops.push(serveIpc(running.api, (sender, frameUrl) => window.isOwnSender(sender, frameUrl)));
    stops.push(forwardEvents(running.events, () => window.contents()));
    notifier = new Notifier(running.events, (route) => window.show(route));
    tray = new VigilTray(running.api, running.events, layout.trayIconDir, platform, {
      open: (route) => window.show(route),
      pauseAll: () => void pauseAll(running),
      quit: () => app.quit(),
    });
    void tray.refresh();
    const shown = window.show();
    if (notices.length > 0) shown.once('show', () => void showNotices(shown, notices));
    return true;
  }

  async function pauseAll(running: Host): Promise<void> {
    try {
      await running.api.invoke('host.pauseAll', {});
    } catch (err) {
      await dialog.showMessageBox({ type: 'error', message: 'Vigil could not pause the agents.', detail: (err as Error).message });
    }
    await tray?.refresh();
  }

  const started = app.whenReady().then(start);

  const quitter = new QuitController({
    async countRunning() {
      if (!host) return 0;
      const runs = (await host.api.invoke('runs.list', { status: 'running', limit: 1 })) as { total: number };
      return runs.total;
    },
    async confirm(options) {
      return (await dialog.showMessageBox(options)).response;
    },
    async shutdown() {
      window.allowClose();
      // A quit during start-up waits for the host to be up, then closes it.
      await started.catch(() => false); // a failed start was shown when it failed
      tray?.destroy();
      notifier?.dispose();
      for (const stop of stops.splice(0)) stop();
      await socket?.close();
      await host?.close();
    },
    exit: (code) => app.exit(code),
  });

  app.on('before-quit', (event) => {
    // app.exit() (the end of the shutdown) does not emit before-quit: this is always a request.
    event.preventDefault();
    void quitter.request({ ask: true });
  });
  const signals = deps.signals ?? process;
  for (const signal of ['SIGTERM', 'SIGINT']) signals.on(signal, () => void quitter.request({ ask: false }));

  app.on('second-instance', () => {
    if (host) window.show();
  });
  app.on('activate', () => {
    if (host) window.show();
  });
  // The window hides instead of closing; if it is destroyed anyway, Vigil stays in the tray.
  app.on('window-all-closed', () => undefined);

  return { started };
}

async function showNotices(parent: BrowserWindow, notices: string[]): Promise<void> {
  await dialog.showMessageBox(parent, {
    type: 'info',
    title: APP_NAME,
    message: 'What Vigil did while starting',
    detail: notices.map((notice) => `• ${notice}`).join('\n\n'),
  });
}
