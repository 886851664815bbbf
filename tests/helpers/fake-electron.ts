// A small stand-in for the `electron` module (its binary cannot run here), recording what the
// shell asks of it, plus an in-memory host built on the real createApi. Use it with
//   vi.mock('electron', async () => (await import('./helpers/fake-electron')).electronModule);
// and call `fake.reset()` before each test.
import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions, MessageBoxOptions, NotificationConstructorOptions, OpenDialogOptions } from 'electron';
import { pathToFileURL } from 'node:url';
import { createApi, type Handlers } from '../../src/main/api';
import { EventBus } from '../../src/main/event-bus';
import type { Host, HostInfo } from '../../src/main/host-types';
import type { EscalationDto, RunDto } from '../../src/shared/contract';
import { issueDto, onlyHandlers } from './dtos';

export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** What happened, in order, across the fakes (and the fake host): lifecycle tests read it. */
export const timeline: string[] = [];

class FakeApp extends EventEmitter {
  name = 'vigil';
  paths = new Map<string, string>();
  singleInstance = true;
  isPackaged = false;
  appPath = '/fake/app';
  quitRequests = 0;
  exitCode: number | null = null;
  private readyResolve: () => void = () => undefined;
  private ready: Promise<void> = Promise.resolve();

  reset(): void {
    this.removeAllListeners();
    this.name = 'vigil';
    this.paths.clear();
    this.singleInstance = true;
    this.isPackaged = false;
    this.quitRequests = 0;
    this.exitCode = null;
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
  }

  /** The test's "Electron is ready". */
  markReady(): void {
    timeline.push('app ready');
    this.readyResolve();
    this.emit('ready');
  }

  setName(name: string): void {
    this.name = name;
  }
  getName(): string {
    return this.name;
  }
  setPath(key: string, value: string): void {
    this.paths.set(key, value);
  }
  getPath(key: string): string {
    const path = this.paths.get(key);
    if (!path) throw new Error(`fake app: no path "${key}"`);
    return path;
  }
  getAppPath(): string {
    return this.appPath;
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  /** Like Electron: before-quit first; a listener may prevent it. */
  quit(): void {
    this.quitRequests++;
    const event = new FakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  /** Like Electron: no before-quit, windows are destroyed without their close event. */
  exit(code = 0): void {
    if (this.exitCode !== null) return;
    timeline.push(`app exit ${code}`);
    this.exitCode = code;
    for (const window of FakeBrowserWindow.all) if (!window.isDestroyed()) window.destroy();
  }
}

export class FakeWebContents extends EventEmitter {
  sent: Array<{ channel: string; payload: unknown }> = [];
  url = '';
  private destroyed = false;
  private openHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;

  send(channel: string, payload: unknown): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.openHandler = handler;
  }
  /** The page tries to navigate: returns whether the main process let it. */
  tryNavigate(url: string): boolean {
    const event = new FakeEvent();
    this.emit('will-navigate', event, url);
    return !event.defaultPrevented;
  }
  /** The page calls window.open(url): returns the handler's answer (deny when none). */
  tryOpenWindow(url: string): 'allow' | 'deny' {
    return this.openHandler ? this.openHandler({ url }).action : 'deny';
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static all: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  focused = false;
  minimized = false;
  loads: string[] = [];
  private destroyed = false;
  private painted = false;

  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.all.push(this);
    timeline.push('window created');
  }

  loadURL(url: string): Promise<void> {
    this.loads.push(url);
    this.webContents.url = url;
    // Electron emits ready-to-show once, after the first paint.
    if (!this.painted) {
      this.painted = true;
      queueMicrotask(() => this.emit('ready-to-show'));
    }
    return Promise.resolve();
  }
  loadFile(path: string, options?: { hash?: string }): Promise<void> {
    return this.loadURL(pathToFileURL(path).href + (options?.hash ? `#${options.hash}` : ''));
  }
  show(): void {
    if (!this.visible) timeline.push('window shown');
    this.visible = true;
    this.focused = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused = true;
  }
  minimize(): void {
    this.minimized = true;
    this.focused = false;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user closes the window (close button, Cmd+W). */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroy();
    this.emit('closed');
    // Like Electron: the last window gone quits the app, unless someone listens.
    if (fakeApp.exitCode !== null || FakeBrowserWindow.all.some((w) => !w.isDestroyed())) return;
    if (fakeApp.listenerCount('window-all-closed') > 0) fakeApp.emit('window-all-closed');
    else fakeApp.quit();
  }
}

export interface FakeMenu {
  template: MenuItemConstructorOptions[];
}

export class FakeTray extends EventEmitter {
  static all: FakeTray[] = [];
  image: FakeImage;
  tooltip = '';
  menu: FakeMenu | null = null;
  destroyed = false;

  constructor(image: FakeImage) {
    super();
    this.image = image;
    FakeTray.all.push(this);
  }
  setImage(image: FakeImage): void {
    this.image = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** The labels of the current menu ('---' for a separator). */
  labels(): string[] {
    return (this.menu?.template ?? []).map((item) => (item.type === 'separator' ? '---' : String(item.label)));
  }
  /** Clicks the menu item with this label. */
  click(label: string): void {
    const item = this.menu?.template.find((entry) => entry.label === label);
    if (!item?.click) throw new Error(`no clickable tray item "${label}" in ${JSON.stringify(this.labels())}`);
    (item.click as () => void)();
  }
}

export class FakeNotification extends EventEmitter {
  static all: FakeNotification[] = [];
  static supported = true;
  shown = false;
  shownAt: number | null = null;
  constructor(readonly options: NotificationConstructorOptions) {
    super();
    FakeNotification.all.push(this);
  }
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  show(): void {
    this.shown = true;
    this.shownAt = Date.now();
  }
  close(): void {
    this.emit('close');
  }
  click(): void {
    this.emit('click');
  }
}

interface FakeImage {
  path: string;
  isEmpty(): boolean;
}

type Invoker = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain {
  handlers = new Map<string, Invoker>();
  handle(channel: string, handler: Invoker): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** A renderer's ipcRenderer.invoke, as `sender` on a frame showing `frameUrl`. */
  async invoke(channel: string, sender: FakeWebContents, frameUrl: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender, senderFrame: { url: frameUrl, parent: null } }, ...args);
  }
}

class FakeIpcRenderer extends EventEmitter {
  /** Where invoke goes: the preload test wires it to the main side. */
  invokeHandler: (channel: string, ...args: unknown[]) => Promise<unknown> = () => Promise.reject(new Error('no main process'));
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.invokeHandler(channel, ...args);
  }
}

const fakeApp = new FakeApp();

function createFake() {
  const app = fakeApp;
  const dialog = {
    errorBoxes: [] as Array<{ title: string; content: string }>,
    messageBoxes: [] as MessageBoxOptions[],
    /** Which button the user picks in a message box (a promise: the box stays open until it settles). */
    answer: (_options: MessageBoxOptions): number | Promise<number> => 0,
    showErrorBox(title: string, content: string) {
      timeline.push('error box');
      dialog.errorBoxes.push({ title, content });
    },
    /** Every open dialog shown: its parent window (null when none) and options. */
    openDialogs: [] as Array<{ parent: unknown; options: OpenDialogOptions }>,
    /** What the user picks in an open dialog. */
    openAnswer: (_options: OpenDialogOptions): { canceled: boolean; filePaths: string[] } => ({ canceled: true, filePaths: [] }),
    showOpenDialog(first: unknown, second?: OpenDialogOptions) {
      const [parent, options] = second ? [first, second] : [null, first as OpenDialogOptions];
      timeline.push('open dialog');
      dialog.openDialogs.push({ parent, options });
      return Promise.resolve(dialog.openAnswer(options));
    },
    showMessageBox(first: unknown, second?: MessageBoxOptions) {
      const options = second ?? (first as MessageBoxOptions);
      timeline.push('message box');
      dialog.messageBoxes.push(options);
      return Promise.resolve(dialog.answer(options)).then((response) => ({ response, checkboxChecked: false }));
    },
  };
  const shell = {
    opened: [] as string[],
    openedPaths: [] as string[],
    openExternal(url: string) {
      shell.opened.push(url);
      return Promise.resolve();
    },
    openPath(path: string) {
      shell.openedPaths.push(path);
      return Promise.resolve('');
    },
  };
  type HeadersListener = (details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void;
  type PermissionRequest = (contents: unknown, permission: string, cb: (granted: boolean) => void) => void;
  type PermissionCheck = (contents: unknown, permission: string) => boolean;
  const defaultSession = {
    headersListener: null as HeadersListener | null,
    permissionRequest: null as PermissionRequest | null,
    permissionCheck: null as PermissionCheck | null,
    webRequest: {
      onHeadersReceived(listener: HeadersListener) {
        defaultSession.headersListener = listener;
      },
    },
    setPermissionRequestHandler(handler: PermissionRequest) {
      defaultSession.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheck) {
      defaultSession.permissionCheck = handler;
    },
  };
  const session = { defaultSession };
  const contextBridge = {
    exposed: {} as Record<string, unknown>,
    exposeInMainWorld(key: string, api: unknown) {
      contextBridge.exposed[key] = api;
    },
  };
  const ipcMain = new FakeIpcMain();
  const ipcRenderer = new FakeIpcRenderer();

  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]): FakeMenu => ({ template }) },
    Notification: FakeNotification,
    nativeImage: { createFromPath: (path: string): FakeImage => ({ path, isEmpty: () => false }) },
    dialog,
    shell,
    session,
    ipcMain,
    ipcRenderer,
    contextBridge,
  };

  return {
    ...module,
    module: { ...module, default: module },
    /** Resets every fake to a fresh, not-yet-ready Electron. */
    reset() {
      timeline.length = 0;
      app.reset();
      FakeBrowserWindow.all.length = 0;
      FakeTray.all.length = 0;
      FakeNotification.all.length = 0;
      FakeNotification.supported = true;
      dialog.errorBoxes.length = 0;
      dialog.messageBoxes.length = 0;
      dialog.answer = () => 0;
      dialog.openDialogs.length = 0;
      dialog.openAnswer = () => ({ canceled: true, filePaths: [] });
      shell.opened.length = 0;
      shell.openedPaths.length = 0;
      session.defaultSession.headersListener = null;
      session.defaultSession.permissionRequest = null;
      session.defaultSession.permissionCheck = null;
      contextBridge.exposed = {};
      ipcMain.handlers.clear();
      ipcRenderer.removeAllListeners();
      ipcRenderer.invokeHandler = () => Promise.reject(new Error('no main process'));
    },
    /** The one app window (throws when there is none or several). */
    window(): FakeBrowserWindow {
      if (FakeBrowserWindow.all.length !== 1) throw new Error(`expected one window, found ${FakeBrowserWindow.all.length}`);
      return FakeBrowserWindow.all[0];
    },
    tray(): FakeTray {
      if (FakeTray.all.length !== 1) throw new Error(`expected one tray, found ${FakeTray.all.length}`);
      return FakeTray.all[0];
    },
  };
}

export const fake = createFake();
export const electronModule = fake.module;

// ---------------------------------------------------------------- an in-memory host

const now = () => new Date().toISOString();


export function escalationDto(fields: Partial<EscalationDto> & Pick<EscalationDto, 'id' | 'issueIdentifier'>): EscalationDto {
  return {
    issueId: `issue-${fields.issueIdentifier}`,
    issueTitle: `Issue ${fields.issueIdentifier}`,
    runId: null,
    kind: 'run_failed_after_retry',
    message: 'The run failed again after its automatic retry.',
    createdAt: now(),
    resolvedAt: null,
    ...fields,
  };
}


export interface FakeHost extends Host {
  runs: RunDto[];
  escalations: EscalationDto[];
  /** Status of each issue by identifier: what the tray counts (in review, blocked). */
  issueStatuses: Map<string, string>;
  pausedAll: number;
  closed: boolean;
  /** Starts a run and emits run.created, as the engine would. */
  startRun(run: RunDto): void;
  finishRun(id: string): void;
  openEscalation(escalation: EscalationDto): void;
  /** Moves an issue and emits issue.updated and, for in_review/blocked, attention.needed, as the host would. */
  moveIssue(identifier: string, status: 'todo' | 'in_review' | 'blocked' | 'done'): void;
}

/** A host with the real API dispatcher (and its validation) over in-memory runs and escalations. */
export function createFakeHost(info: Partial<HostInfo> = {}): FakeHost {
  const events = new EventBus();
  const implemented: Partial<Handlers> = {
    'runs.list': async (input) => {
      const items = host.runs.filter((run) => !input.status || run.status === input.status);
      return { items: items.slice(0, input.limit ?? 50), nextCursor: null, total: items.length };
    },
    'escalations.list': async (input) => host.escalations.filter((e) => !input.open || e.resolvedAt === null),
    'issues.list': async (input) => {
      const total = [...host.issueStatuses.values()].filter((s) => !input.status || s === input.status).length;
      return { items: [], nextCursor: null, total };
    },
    'host.pauseAll': async () => {
      host.pausedAll++;
      return { paused: new Set(host.runs.map((run) => run.agentId)).size };
    },
  };
  const handlers = onlyHandlers(implemented);
  const api = createApi(handlers, {
    resolveRunToken: async () => null,
    resolveRunId: async () => null,
    resolveIssueId: async () => null,
    reportActivity: async () => undefined,
  });
  const host: FakeHost = {
    api,
    events,
    info: { dataDir: '/fake/data', databaseKind: 'pglite', hostId: 'fake', machineName: 'fake', pid: process.pid, startedAt: now(), version: '0.0.0', notices: [], ...info },
    runs: [],
    escalations: [],
    issueStatuses: new Map(),
    pausedAll: 0,
    closed: false,
    async close() {
      // A real close takes a while (stopping process groups, checkpointing): yield first.
      await new Promise((resolve) => setImmediate(resolve));
      host.closed = true;
      timeline.push('host closed');
      return { cancelledRuns: host.runs.filter((run) => run.status === 'running').length };
    },
    startRun(run) {
      host.runs.push(run);
      events.emit('run.created', run);
    },
    finishRun(id) {
      const run = host.runs.find((r) => r.id === id);
      if (!run) throw new Error(`no run ${id}`);
      run.status = 'succeeded';
      events.emit('run.updated', run);
    },
    openEscalation(escalation) {
      host.escalations.push(escalation);
      events.emit('escalation.opened', escalation);
      // The host's attention watcher turns an escalation into a "needs you" event.
      const { issueId, issueIdentifier, issueTitle, runId, message } = escalation;
      events.emit('attention.needed', { kind: 'escalation', issueId, issueIdentifier, issueTitle, runId, message });
    },
    moveIssue(identifier, status) {
      host.issueStatuses.set(identifier, status);
      events.emit('issue.updated', issueDto({ identifier, status }));
      if (status === 'in_review' || status === 'blocked') {
        const message = status === 'in_review' ? 'builder finished: ready for your review.' : 'Blocked: it waits for you.';
        events.emit('attention.needed', { kind: status, issueId: `issue-${identifier}`, issueIdentifier: identifier, issueTitle: `Issue ${identifier}`, runId: null, message });
      }
    },
  };
  return host;
}
