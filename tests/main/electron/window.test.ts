import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { launchDesktopApp } from '../../../src/main/electron/app';
import { appLayout, type RendererLocation } from '../../../src/main/electron/layout';
import { contentSecurityPolicy, isAppUrl } from '../../../src/main/electron/security';
import { mainWindowOptions } from '../../../src/main/electron/window';
import { createFakeHost, fake, type FakeBrowserWindow } from '../../helpers/fake-electron';

vi.mock('electron', async () => (await import('../../helpers/fake-electron')).electronModule);

const APP = '/opt/vigil/app';
const INDEX = join(APP, 'out', 'renderer', 'index.html');
/** On: the page is isolated from the preload, sandboxed, and kept to same-origin rules. */
const SECURE_ON = ['contextIsolation', 'sandbox', 'webSecurity'] as const;
/** Off: Node in the page, its workers and its frames; insecure content; <webview>; a dropped file replacing the app. */
const SECURE_OFF = ['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'allowRunningInsecureContent', 'webviewTag', 'navigateOnDragDrop'] as const;

async function launch(env: NodeJS.ProcessEnv = {}): Promise<FakeBrowserWindow> {
  fake.app.appPath = APP;
  const host = createFakeHost();
  launchDesktopApp({
    startHost: async () => host,
    startControlSocket: async () => ({ close: () => undefined }),
    env: { VIGIL_HOME: '/tmp/vigil-window-test', ...env },
    platform: 'linux',
    signals: new EventEmitter(),
  });
  fake.app.markReady();
  await vi.waitFor(() => expect(fake.window().visible).toBe(true));
  return fake.window();
}

beforeEach(() => {
  fake.reset();
  fake.app.isPackaged = false;
});

describe('the window', () => {
  it('is isolated and sandboxed, with the CommonJS preload and no webview', () => {
    const options = mainWindowOptions(appLayout(APP, true, {}));
    expect(options.show).toBe(false);
    const prefs = options.webPreferences ?? {};
    // Each names the preference that is not as it must be.
    expect(SECURE_ON.filter((k) => prefs[k] !== true)).toEqual([]);
    expect(SECURE_OFF.filter((k) => prefs[k] !== false)).toEqual([]);
    expect(prefs.preload).toBe(join(APP, 'out', 'preload', 'index.cjs'));
  });

  it('the app opens it with those options and loads the built renderer', async () => {
    const window = await launch();
    expect(window.options).toEqual(mainWindowOptions(appLayout(APP, false, {})));
    expect(window.loads).toEqual([pathToFileURL(INDEX).href]);
  });

  it('loads the dev server in development, never when packaged', async () => {
    const dev = await launch({ ELECTRON_RENDERER_URL: 'http://localhost:5173' });
    expect(dev.loads).toEqual(['http://localhost:5173']);

    expect(appLayout(APP, true, { ELECTRON_RENDERER_URL: 'http://evil.example' }).renderer).toEqual({ kind: 'file', path: INDEX });
  });

  it('finds the database template outside app.asar when packaged (node-tar reads plain files)', () => {
    expect(appLayout('/opt/Vigil/resources/app.asar', true, {}).dbTemplate).toBe('/opt/Vigil/resources/app.asar.unpacked/out/main/db-template.tar.gz');
    expect(appLayout(APP, false, {}).dbTemplate).toBe(join(APP, 'out', 'main', 'db-template.tar.gz'));
  });

  it('cannot navigate away from the app; web links go to the system browser instead', async () => {
    const contents = (await launch()).webContents;
    expect(contents.tryNavigate(`${pathToFileURL(INDEX).href}#/issues/VIG-1`)).toBe(true);

    expect(contents.tryNavigate('https://evil.example/phish')).toBe(false);
    expect(contents.tryNavigate('file:///etc/passwd')).toBe(false);
    expect(contents.tryNavigate('javascript:alert(1)')).toBe(false);
    expect(fake.shell.opened).toEqual(['https://evil.example/phish']);
  });

  it('in development, only the dev server origin is the app', async () => {
    const contents = (await launch({ ELECTRON_RENDERER_URL: 'http://localhost:5173' })).webContents;
    expect(contents.tryNavigate('http://localhost:5173/#/runs')).toBe(true);
    expect(contents.tryNavigate('http://localhost:5174/')).toBe(false);
  });

  it('denies every window.open, handing only http(s) links to the system browser', async () => {
    const contents = (await launch()).webContents;
    expect(contents.tryOpenWindow('https://github.com/vigil/vigil/issues/1')).toBe('deny');
    expect(contents.tryOpenWindow('http://example.com/')).toBe('deny');
    expect(contents.tryOpenWindow('file:///etc/passwd')).toBe('deny');
    expect(contents.tryOpenWindow(pathToFileURL(INDEX).href)).toBe('deny');
    expect(contents.tryOpenWindow('vigil-evil://x')).toBe('deny');
    expect(fake.shell.opened).toEqual(['https://github.com/vigil/vigil/issues/1', 'http://example.com/']);
  });

  it('every response carries a strict Content-Security-Policy', async () => {
    await launch();
    const listener = fake.session.defaultSession.headersListener;
    expect(listener).not.toBeNull();
    let headers: Record<string, string[]> | undefined;
    listener!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response) => (headers = response.responseHeaders));
    expect(headers?.['Content-Type']).toEqual(['text/html']);
    const [csp] = headers?.['Content-Security-Policy'] ?? [];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).not.toContain('http:');
  });

  it('allows Vite HMR in development only', () => {
    const dev = contentSecurityPolicy({ kind: 'dev', url: 'http://localhost:5173' });
    expect(dev).toContain('ws://localhost:5173');
    expect(contentSecurityPolicy({ kind: 'file', path: INDEX })).not.toContain('ws:');
  });

  it('refuses every permission request and check', async () => {
    await launch();
    const { permissionRequest, permissionCheck } = fake.session.defaultSession;
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | null = null;
      permissionRequest!({}, permission, (answer) => (granted = answer));
      expect(granted).toBe(false);
      expect(permissionCheck!({}, permission)).toBe(false);
    }
  });
});

describe('isAppUrl', () => {
  const file: RendererLocation = { kind: 'file', path: INDEX };
  it('accepts the renderer page with any route, nothing else', () => {
    expect(isAppUrl(`${pathToFileURL(INDEX).href}#/issues/VIG-2`, file)).toBe(true);
    expect(isAppUrl(pathToFileURL(join(APP, 'out', 'renderer', 'other.html')).href, file)).toBe(false);
    expect(isAppUrl('https://localhost/', file)).toBe(false);
    expect(isAppUrl('not a url', file)).toBe(false);
  });
});
