// The worktree review in a real browser against a real `vigil serve`: a run's change shows up
// on the issue page as a diff, and Merge from the page moves the repository's main branch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil, type Served } from '../helpers/serve';
import { makeRepo, sh } from '../helpers/git-repo';
import { launchBrowser, newPage, screenshot } from './browser';

const SHOTS = '/tmp/shots-h16';

describe('worktree review in the browser', () => {
  let served: Served;
  let data: ReturnType<typeof tempDataDir>;
  let repo: ReturnType<typeof makeRepo>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    data = tempDataDir();
    repo = makeRepo({
      'src/greeting.ts': "// Says hello.\nexport function greeting(name: string): string {\n  return 'hello ' + name;\n}\n",
      'README.md': '# demo\n',
    });
    served = await startServe({ dataDir: data.dir });
    browser = await launchBrowser();
    page = await newPage(browser, 'light');
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(served.url);
  }, 300_000 + READY_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (served) expect((await served.stop()).code).toBe(0);
    data?.cleanup();
    repo?.cleanup();
  }, 60_000);

  it("shows a run's change as a diff, and merges it from the page", async () => {
    const cli = (...args: string[]) => vigil([...args, '--json'], { dataDir: data.dir });
    const command = [
      "sed -i \"s/'hello ' + name/\\`hello, \\${name}!\\`/\" src/greeting.ts",
      "printf '%s\\n' '## Usage' '' 'Call greeting(name).' >> README.md",
      "printf 'export const VERSION = 2;\\n' > src/version.ts",
    ].join('; ');
    expect((await cli('agent', 'add', 'coder', '--adapter', 'process', '--command', command, '--cwd', repo.dir, '--workspace', 'worktree')).code).toBe(0);
    const created = await cli('issue', 'create', 'Friendlier greeting', '--assign', 'coder');
    const issue = JSON.parse(created.stdout).identifier as string;

    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue}`);
    const changes = page.getByRole('region', { name: 'Changes' });
    const files = changes.getByRole('list', { name: 'Changed files' });
    await files.getByText('src/version.ts').waitFor({ timeout: 60_000 });
    await page.getByRole('table', { name: 'Runs of this issue' }).locator('[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    expect(await files.locator('li').allInnerTexts()).toEqual(['M\nREADME.md\n+3 −0', 'M\nsrc/greeting.ts\n+1 −1', 'A\nsrc/version.ts\n+1 −0']);
    const diff = changes.getByRole('article', { name: 'Diff of src/greeting.ts' });
    await diff.locator('.ws-line-add').getByText('hello, ${name}!').waitFor();
    expect(await diff.locator('.ws-line-add .hljs-keyword').first().innerText()).toBe('return');
    await screenshot(page, 'issue-changes-light', SHOTS);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'issue-changes-dark', SHOTS);
    await page.emulateMedia({ colorScheme: 'light' });

    // Merge asks first, as Discard does; once merged, the closed line says it (no banner besides).
    await changes.getByRole('button', { name: 'Merge into main' }).click();
    await changes.getByRole('button', { name: 'Yes, merge' }).click();
    await changes.getByText('its worktree was removed').waitFor({ timeout: 30_000 });
    expect(readFileSync(join(repo.dir, 'src/greeting.ts'), 'utf8')).toContain('`hello, ${name}!`');
    expect(sh(repo.dir, ['status', '--porcelain'])).toBe('');
    expect(sh(repo.dir, ['log', '-1', '--format=%s', 'main'])).toBe(`${issue}: Friendlier greeting`);
    await page.locator('.page-sub [data-status="done"]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'issue-merged-light', SHOTS);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
