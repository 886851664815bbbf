// Where the built app's pieces live. electron-vite emits out/{main,preload,renderer} under the
// app folder (the repo in dev, app.asar when packaged); the icons ship in resources/.
import { join } from 'node:path';

export type RendererLocation = { kind: 'dev'; url: string } | { kind: 'file'; path: string };

export interface AppLayout {
  /** CommonJS: a sandboxed renderer cannot load an ESM preload. */
  preload: string;
  renderer: RendererLocation;
  appIcon: string;
  trayIconDir: string;
  /**
   * The `vigil` command agents call back through (the host puts it on their PATH). In
   * development bin/vigil runs the built CLI with the system's node; a packaged app writes its
   * own launcher at start-up (cli-launcher.ts) around cliScript.
   */
  cliLauncher: { kind: 'ready'; path: string } | { kind: 'write'; cliScript: string };
  /** The pty host's bundle, run with the app's own executable in Node mode (ELECTRON_RUN_AS_NODE). */
  ptyHostScript: string;
  /** The database template a first start unpacks instead of running initdb (db/template.ts). */
  dbTemplate: string;
}

export function appLayout(appPath: string, isPackaged: boolean, env: NodeJS.ProcessEnv): AppLayout {
  // A packaged app never takes its UI from an environment variable: that would let anyone who
  // can set the env point Vigil's window (and its bridge) at a page of their choosing.
  const devUrl = isPackaged ? undefined : env.ELECTRON_RENDERER_URL;
  return {
    preload: join(appPath, 'out', 'preload', 'index.cjs'),
    renderer: devUrl ? { kind: 'dev', url: devUrl } : { kind: 'file', path: join(appPath, 'out', 'renderer', 'index.html') },
    appIcon: join(appPath, 'resources', 'icon.png'),
    trayIconDir: join(appPath, 'resources', 'tray'),
    cliLauncher: isPackaged ? { kind: 'write', cliScript: join(appPath, 'out', 'main', 'cli.js') } : { kind: 'ready', path: join(appPath, 'bin', 'vigil') },
    ptyHostScript: join(appPath, 'out', 'main', 'ptyhost.js'),
    // Packaged, it lies outside the archive (electron-builder.yml asarUnpack): node-tar reads plain files.
    dbTemplate: join(isPackaged ? appPath.replace(/app\.asar$/, 'app.asar.unpacked') : appPath, 'out', 'main', 'db-template.tar.gz'),
  };
}

/** The renderer's hash routes the shell opens (the window loads index.html#/issues/VIG-12). */
export const routes = {
  issue: (identifier: string) => `/issues/${encodeURIComponent(identifier)}`,
  run: (id: string) => `/runs/${encodeURIComponent(id)}`,
  runs: '/runs',
  escalations: '/escalations',
  dashboard: '/',
} as const;
