// Issue 24 in a real Chromium against a real `vigil serve`: a tab without its key explains
// itself, the issue page shows its running run live and a History in words, comments render as
// sanitized Markdown, Merge asks first. Screens are saved, light and dark, under /tmp/day-shots.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, sh } from '../helpers/git-repo';
import { vigil } from '../helpers/serve';
import { servedBrowser } from '../helpers/served-browser';
import { newPage, screenshotThemes } from './browser';

const SHOTS = '/tmp/day-shots';

describe('a day with Vigil in the browser', () => {
  const app = servedBrowser();
  const cli = app.cli;
  let repo: ReturnType<typeof makeRepo>;
  let page: Page;
  const pageErrors: string[] = [];
  const base = () => app.served.url.replace(/#token=.*$/, '');
  const both = (name: string) => screenshotThemes(page, name, SHOTS);

  beforeAll(() => {
    repo = makeRepo({ 'notes.md': '# notes\n' });
  });
  afterAll(() => repo?.cleanup());

  it('a tab without the token says in one sentence what is missing and how to get in', async () => {
    const bare = await newPage(app.browser, 'light');
    await bare.goto(base());
    const alert = bare.getByRole('alert');
    await alert.getByText('Vigil needs the address with its key').waitFor({ timeout: 30_000 });
    expect(await alert.innerText()).toContain('This tab was opened without the key that vigil serve puts in its address');
    expect(await alert.locator('pre').innerText()).toBe('vigil open');
    expect(await bare.locator('text=Connecting to Vigil').count()).toBe(0);
    page = bare;
    await both('no-key');
    // A token serve does not take (it restarted since): said too, not "Connecting…" for ever.
    const stale = await newPage(app.browser, 'light');
    await stale.goto(`${base()}#token=not-the-token`);
    await stale.getByText('Vigil no longer accepts the key this tab was opened with').waitFor({ timeout: 30_000 });
    page = stale;
    await both('stale-key');
    await bare.context().close();
    await stale.context().close();
  }, 120_000);

  it('the issue page shows its running run live, and a History in words', async () => {
    page = await newPage(app.browser, 'light');
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(app.served.url);
    await cli('agent', 'add', 'slowpoke', '--adapter', 'process', '--command', 'for i in $(seq 1 90); do echo "step $i of $VIGIL_ISSUE"; sleep 1; done');
    const issue = await cli('issue', 'create', 'Count slowly', '--assign', 'slowpoke');
    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue.identifier}`);
    const live = page.getByRole('region', { name: 'Live: slowpoke is working on it' });
    await live.waitFor({ timeout: 60_000 });
    await live.locator('.xterm-rows', { hasText: `of ${issue.identifier}` }).waitFor({ timeout: 60_000 });
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText(`opened ${issue.identifier} and assigned it to slowpoke`).waitFor({ timeout: 30_000 });
    const words = await history.innerText();
    expect(words).toContain('You');
    expect(words).not.toMatch(/issue\.\w+|agent:[0-9a-f]{8}|commentId=/);
    await both('issue-live');
    // The dashboard's counts read in the singular when there is one.
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByText('1 agent', { exact: false }).first().waitFor({ timeout: 30_000 });
    await both('dashboard');
    const runs = (await cli('run', 'list', '--issue', issue.identifier)).items as { id: string }[];
    await cli('run', 'cancel', runs[0].id.slice(0, 8));
    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue.identifier}`);
    await live.waitFor({ state: 'detached', timeout: 60_000 });
  }, 240_000);

  it('comments render as sanitized Markdown', async () => {
    const issue = await cli('issue', 'create', 'Markdown please');
    const file = join(app.data.dir, 'comment.md');
    writeFileSync(file, '**Plan**\n\n1. read `notes.md`\n2. write tests\n\n<img src=x onerror="window.__owned=1"><script>window.__owned=2</script>\n');
    const r = await vigil(['issue', 'comment', issue.identifier, '--body-file', file], { dataDir: app.data.dir });
    expect(r.code).toBe(0);
    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue.identifier}`);
    const body = page.locator('.comment-body').first();
    await body.locator('strong', { hasText: 'Plan' }).waitFor({ timeout: 30_000 });
    expect(await body.locator('ol li').allInnerTexts()).toEqual(['read notes.md', 'write tests']);
    expect(await body.locator('code').innerText()).toBe('notes.md');
    expect(await body.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __owned?: number }).__owned)).toBeUndefined();
    await both('issue-markdown');
  }, 120_000);

  it('Merge asks for confirmation as Discard does, and says it merged once', async () => {
    await cli('agent', 'add', 'writer', '--adapter', 'process', '--command', "printf 'more\\n' >> notes.md", '--cwd', repo.dir, '--workspace', 'worktree');
    const issue = await cli('issue', 'create', 'Add a line', '--assign', 'writer');
    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue.identifier}`);
    const changes = page.getByRole('region', { name: 'Changes' });
    await changes.getByRole('list', { name: 'Changed files' }).getByText('notes.md').waitFor({ timeout: 90_000 });
    await page.getByRole('table', { name: 'Runs of this issue' }).locator('[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    const before = sh(repo.dir, ['rev-parse', 'main']);
    await changes.getByRole('button', { name: 'Merge into main' }).click();
    await changes.getByText(/^Merge vigil\/.* into main, committing what the agent left\?$|^Merge vigil\/.* into main\?$/).waitFor();
    await both('merge-confirm');
    await changes.getByRole('button', { name: 'Keep' }).click();
    expect(sh(repo.dir, ['rev-parse', 'main'])).toBe(before);
    await changes.getByRole('button', { name: 'Merge into main' }).click();
    await changes.getByRole('button', { name: 'Yes, merge' }).click();
    await changes.getByText('its worktree was removed').waitFor({ timeout: 30_000 });
    const merged = sh(repo.dir, ['rev-parse', 'main']);
    expect(merged).not.toBe(before);
    // Said exactly once on the whole page: the closed line where Merge was clicked; no banner, no comment.
    await page.getByRole('list', { name: 'History' }).getByText(`merged ${issue.identifier}`).waitFor({ timeout: 30_000 });
    // The commit appears in every way of saying it (the closed line, a banner, Vigil's comment).
    const pageText = await page.locator('main').innerText();
    expect(pageText.split(merged.slice(0, 10)).length - 1).toBe(1);
    expect(await changes.locator('.ws-closed').innerText()).toMatch(new RegExp(`^merged vigil/\\S+ into main at ${merged.slice(0, 10)} \\((a fast-forward|a merge commit)\\) .*; its worktree was removed\\.$`));
    expect(await page.getByRole('status').filter({ hasText: /Merged\./ }).count()).toBe(0);
    expect(await page.locator('.comment-body').filter({ hasText: /merged|fast-forwarded/i }).count()).toBe(0);
    await both('merged');
  }, 240_000);

  it('the agent form checks the folder and the command as the person types, each with its fix', async () => {
    await page.evaluate(() => (window.location.hash = '#/agents'));
    await page.getByRole('button', { name: 'Add agent' }).click();
    const form = page.getByRole('form', { name: 'New agent' });
    await form.getByLabel('Name').fill('typed');
    await form.getByLabel('Adapter').selectOption('process');
    await form.getByLabel('Command').fill('no-such-agent-cmd --go');
    await form.getByLabel('Working folder').fill('/nonexistent/day-folder');
    await form.getByText('The folder /nonexistent/day-folder: there is no such folder. Create it (mkdir -p /nonexistent/day-folder) or choose another folder.').waitFor({ timeout: 30_000 });
    await form.getByText('The command "no-such-agent-cmd" was not found on PATH. Install it, give its full path').waitFor({ timeout: 30_000 });
    await both('agent-form-check');
    await form.getByLabel('Command').fill('echo hi');
    await form.getByLabel('Working folder').fill(repo.dir);
    await form.getByText('not found on PATH').waitFor({ state: 'detached', timeout: 30_000 });
    await form.getByText('there is no such folder').waitFor({ state: 'detached', timeout: 30_000 });
    await form.getByRole('button', { name: 'Cancel' }).click();
  }, 120_000);

  it('? lists the keyboard shortcuts; Escape closes them', async () => {
    await page.evaluate(() => (window.location.hash = '#/agents/slowpoke'));
    await page.getByText('the working folder as it is').waitFor({ timeout: 30_000 });
    expect(await page.locator('.fact dt', { hasText: 'Model' }).count()).toBe(0);
    await both('agent-process');
    await page.locator('main').focus();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Escalations');
    await both('shortcuts');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
