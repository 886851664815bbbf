// The worktree review in a real browser against a real `vigil serve`: a run's change shows up
// on the issue page as a diff, and Merge from the page moves the repository's main branch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vigil } from '../helpers/serve';
import { servedBrowser } from '../helpers/served-browser';
import { makeRepo, sh } from '../helpers/git-repo';
import { screenshot, screenshotThemes } from './browser';

const SHOTS = '/tmp/shots-h16';

describe('worktree review in the browser', () => {
  const app = servedBrowser({ page: 'served', cleanStop: true });
  let repo: ReturnType<typeof makeRepo>;

  beforeAll(() => {
    repo = makeRepo({
      'src/greeting.ts': "// Says hello.\nexport function greeting(name: string): string {\n  return 'hello ' + name;\n}\n",
      'README.md': '# demo\n',
    });
  });
  afterAll(() => repo?.cleanup());

  it("shows a run's change as a diff, and merges it from the page", async () => {
    const { page, pageErrors } = app;
    const cli = (...args: string[]) => vigil([...args, '--json'], { dataDir: app.data.dir });
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
    await screenshotThemes(page, 'issue-changes', SHOTS);

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
