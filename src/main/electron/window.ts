// The one app window. Closing it hides it (agents keep running, Vigil stays in the tray); it is
// created again if something destroyed it.
import { BrowserWindow, shell, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron';
import { APP_NAME } from '../../node/paths';
import type { AppLayout } from './layout';
import { contentSecurityPolicy, externalWebUrl, isAppUrl } from './security';

export function mainWindowOptions(layout: AppLayout): BrowserWindowConstructorOptions {
  return {
    title: APP_NAME,
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    // Shown on ready-to-show: never a white flash, never a blank window.
    show: false,
    backgroundColor: '#111827',
    icon: layout.appIcon,
    webPreferences: {
      preload: layout.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    },
  };
}

/** Applies the CSP to every response and refuses every permission (camera, notifications, ...). */
export function hardenSession(session: Session, layout: AppLayout): void {
  const csp = contentSecurityPolicy(layout.renderer);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** No navigation away from the app, no new windows: web links go to the system browser. */
export function hardenContents(contents: WebContents, layout: AppLayout): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, layout.renderer)) return;
    event.preventDefault();
    const external = externalWebUrl(url);
    if (external) void shell.openExternal(external);
  });
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalWebUrl(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
}

export class MainWindow {
  private window: BrowserWindow | null = null;
  private closable = false;

  constructor(private readonly layout: AppLayout) {}

  /** Shows the window (creating it if needed), at `route` when given (e.g. /issues/VIG-12). */
  show(route?: string): BrowserWindow {
    const existing = this.window && !this.window.isDestroyed() ? this.window : null;
    if (!existing) return this.create(route);
    if (route !== undefined) void this.load(existing, route);
    if (existing.isMinimized()) existing.restore();
    existing.show();
    existing.focus();
    return existing;
  }

  /** The window, when there is a live one (a dialog's parent). */
  current(): BrowserWindow | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  /** The renderer to push events to, when there is a live one. */
  contents(): WebContents | null {
    const contents = this.window && !this.window.isDestroyed() ? this.window.webContents : null;
    return contents && !contents.isDestroyed() ? contents : null;
  }

  /** A call comes from the app itself: this window's renderer, on the app's own page. */
  isOwnSender(sender: WebContents, frameUrl: string | undefined): boolean {
    return sender === this.contents() && frameUrl !== undefined && isAppUrl(frameUrl, this.layout.renderer);
  }

  /** The app is quitting: let the window close for real. */
  allowClose(): void {
    this.closable = true;
  }

  private create(route?: string): BrowserWindow {
    const window = new BrowserWindow(mainWindowOptions(this.layout));
    this.window = window;
    hardenContents(window.webContents, this.layout);
    window.once('ready-to-show', () => window.show());
    window.on('close', (event) => {
      if (this.closable) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    void this.load(window, route);
    return window;
  }

  private async load(window: BrowserWindow, route?: string): Promise<void> {
    const hash = route ?? '';
    const renderer = this.layout.renderer;
    try {
      if (renderer.kind === 'dev') await window.loadURL(hash ? `${renderer.url}#${hash}` : renderer.url);
      else await window.loadFile(renderer.path, hash ? { hash } : undefined);
    } catch (err) {
      // A fragment change on a loaded page can report ERR_ABORTED; a real failure shows up in
      // the window itself. Either way the main process keeps running.
      console.warn(`[vigil] loading the window failed: ${(err as Error).message}`);
    }
  }
}
