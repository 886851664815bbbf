// A real `vigil serve` and Debian's Chromium for a describe block of browser tests: built, started
// and opened once before its tests, closed and stopped after them.
//
//   describe('...', () => {
//     const app = servedBrowser({ page: 'served' });   // registers beforeAll/afterAll
//     it('...', async () => {
//       const { page, served, pageErrors } = app;       // filled in once beforeAll ran
//       const issue = await app.cli<IssueDto>('issue', 'create', 'Say hello');
//
// A test that restarts serve puts the new one in `app.served`, so that one is stopped after.
// Hooks the test registers after this call run after its beforeAll and before its afterAll.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser, newPage } from '../e2e/browser';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigilJson, type ServeOptions, type Served } from './serve';

export interface ServedBrowser {
  data: ReturnType<typeof tempDataDir>;
  served: Served;
  browser: Browser;
  /** Set when `page` was asked for. */
  page: Page;
  /** The page's uncaught errors (only those of `page`). */
  pageErrors: string[];
  /** `vigil --json ARGS` on serve's data folder: the parsed answer; a failing command throws its stderr. */
  cli<T = any>(...args: string[]): Promise<T>;
}

export interface ServedBrowserOptions {
  /** The temp folder's name prefix (it is serve's data folder unless `setup` says otherwise). */
  prefix?: string;
  /** Runs in beforeAll before serve starts, given the temp folder; returns options for serve (env, dataDir, args...). */
  setup?: (tempDir: string) => Partial<ServeOptions> | Promise<Partial<ServeOptions>>;
  /** 'served': a light page on serve's address, its errors recorded; 'blank': a page not yet anywhere; none by default. */
  page?: 'served' | 'blank';
  /** Called with the new page before it loads anything (to listen to its console, say). */
  watch?: (page: Page) => void;
  /** Expect serve to exit with code 0 when it is stopped after the tests. */
  cleanStop?: boolean;
}

export function servedBrowser(opts: ServedBrowserOptions = {}): ServedBrowser {
  const app = {
    pageErrors: [] as string[],
    cli: (...args: string[]) => vigilJson(app.served.dataDir, ...args),
  } as ServedBrowser;

  beforeAll(async () => {
    ensureBuilt();
    app.data = tempDataDir(opts.prefix);
    const serve = { dataDir: app.data.dir, ...(await opts.setup?.(app.data.dir)) };
    app.served = await startServe(serve);
    app.browser = await launchBrowser();
    if (!opts.page) return;
    app.page = await newPage(app.browser, 'light');
    opts.watch?.(app.page);
    if (opts.page === 'blank') return;
    app.page.on('pageerror', (e) => app.pageErrors.push(String(e)));
    await app.page.goto(app.served.url);
  }, 300_000 + READY_TIMEOUT_MS);

  afterAll(async () => {
    await app.browser?.close();
    if (app.served) {
      const exit = await app.served.stop();
      if (opts.cleanStop) expect(exit.code).toBe(0);
    }
    app.data?.cleanup();
  }, 60_000);

  return app;
}
