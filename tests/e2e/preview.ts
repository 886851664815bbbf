// Screenshots of every screen against the seeded fake host, for working on the looks without
// a real host: `npx tsx tests/e2e/preview.ts [renderer build dir]` (default out/renderer).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { launchBrowser, newPage, screenshot, SCREENSHOTS, visit } from './browser';

const root = resolve(process.argv[2] ?? 'out/renderer');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

const seed = await build({ entryPoints: [join(import.meta.dirname, 'fake-seed.ts')], bundle: true, format: 'iife', write: false, platform: 'browser', target: 'es2022' });
const seedScript = seed.outputFiles[0].text;

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const file = join(root, path === '/' ? 'index.html' : path);
  if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

const browser = await launchBrowser();
try {
  for (const scheme of ['light', 'dark'] as const) {
    const page = await newPage(browser, scheme);
    page.on('pageerror', (e) => console.error('pageerror', e));
    page.on('console', (m) => m.type() === 'error' && console.error('console', m.text()));
    await page.addInitScript({ content: seedScript });
    await page.goto(`http://127.0.0.1:${port}/#/`);
    const dir = join(SCREENSHOTS, 'preview');
    const fake = await page.evaluate(() => {
      const h = window.__vigilFake!;
      const failed = h.runs.find((r) => r.errorCode === 'adapter_failed' && r.retryOfRunId)!;
      const live = h.runs.find((r) => r.status === 'running')!;
      return { failed: failed.id, live: live.id, issue: h.issues[0].identifier, agent: 'builder' };
    });
    const shots: [string, string][] = [
      ['dashboard', '#/'],
      ['issues', '#/issues'],
      ['issue-detail', `#/issues/${fake.issue}`],
      ['runs', '#/runs'],
      ['run-detail-failed', `#/runs/${fake.failed}`],
      ['run-detail-live', `#/runs/${fake.live}`],
      ['agents', '#/agents'],
      ['agent-detail', `#/agents/${fake.agent}`],
      ['escalations', '#/escalations'],
    ];
    for (const [name, hash] of shots) {
      await visit(page, hash);
      if (name.startsWith('run-detail')) await page.waitForSelector('.xterm-rows');
      await screenshot(page, `${name}-${scheme}`, dir);
    }
    // The forms, with a validation error showing.
    await visit(page, '#/agents');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await page.getByRole('form', { name: 'New agent' }).getByLabel('Name').fill('nightly');
    await page.getByRole('form', { name: 'New agent' }).getByRole('button', { name: 'Add agent' }).click();
    await screenshot(page, `agent-form-${scheme}`, dir);
    await visit(page, `#/agents/${fake.agent}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await screenshot(page, `agent-edit-${scheme}`, dir);
    await visit(page, '#/issues');
    await page.getByRole('button', { name: 'New issue' }).click();
    await screenshot(page, `issue-form-${scheme}`, dir);
    // A first start in the desktop app: the first-run panel, its folder from the native dialog.
    await page.goto(`http://127.0.0.1:${port}/?fresh#/`);
    await page.getByRole('region', { name: 'Get started' }).getByText('2.1.197 (Claude Code)').waitFor();
    await screenshot(page, `first-run-desktop-${scheme}`, dir);
    await page.getByRole('button', { name: 'Choose folder…' }).click();
    await page.getByText('/home/dev/src/shop: a git repository.').waitFor();
    await screenshot(page, `first-run-desktop-picked-${scheme}`, dir);
    await visit(page, '#/agents');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await screenshot(page, `agent-form-desktop-${scheme}`, dir);
    await page.context().close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`screenshots in ${join(SCREENSHOTS, 'preview')}`);
