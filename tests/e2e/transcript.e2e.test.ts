// A claude_local run read in a real browser against a real `vigil serve`: the fake claude prints
// the recorded stream-json fixture line by line (slowly, so the run is watched live), and the
// run page shows it as a transcript; the terminal tab shows the raw bytes; the dashboard's review
// queue lists the finished issue first and Approve moves it to done. Screenshots of the run page,
// dashboard and issue page in light and dark go to SHOTS_DIR (default test-artifacts/screenshots/h17).
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { servedBrowser } from '../helpers/served-browser';
import { screenshot, SCREENSHOTS } from './browser';

const FAKE_BIN = resolve(import.meta.dirname, '..', 'fixtures', 'adapters', 'bin');
const SHOTS = process.env.SHOTS_DIR ?? join(SCREENSHOTS, 'transcript');

describe('a claude_local run in the browser', () => {
  const app = servedBrowser({ page: 'served', cleanStop: true });
  let issue = '';
  let runId = '';

  const call = async <T,>(method: string, params: unknown): Promise<T> => {
    const res = await fetch(`${app.served.baseUrl}api/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.served.token}` },
      body: JSON.stringify({ method, params }),
    });
    const body = (await res.json()) as { ok: boolean; result: T; error?: unknown };
    if (!body.ok) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  };

  beforeAll(() => app.page.getByRole('heading', { name: 'Dashboard' }).waitFor(), 60_000);

  it('shows the transcript growing live while the run writes, then whole: prose, Bash with output, Edit as a diff, no JSON', async () => {
    const { page } = app;
    await call('agents.create', {
      name: 'scribe',
      adapterType: 'claude_local',
      env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, FAKE_CLAUDE_FIXTURE: 'claude-transcript.jsonl', FAKE_CLAUDE_LINE_DELAY_MS: '600' },
      envPublic: ['PATH', 'FAKE_CLAUDE_FIXTURE', 'FAKE_CLAUDE_LINE_DELAY_MS'],
    });
    issue = (await call<{ identifier: string }>('issues.create', { title: 'Coupons count twice', body: 'Totals are off with a **coupon**.', assignee: 'scribe' })).identifier;
    const runs = await call<{ items: { id: string }[] }>('runs.list', { issue });
    runId = runs.items[0].id;

    await page.evaluate((h) => (window.location.hash = h), `#/runs/${runId}`);
    const transcript = page.getByRole('log', { name: 'Transcript' });
    await transcript.waitFor();
    // Live: while the run is still running, cards keep arriving without a reload.
    const cards = transcript.getByRole('article');
    await cards.first().waitFor({ timeout: 60_000 });
    const early = await cards.count();
    expect(await page.locator('.page-sub [data-status="running"]').count()).toBe(1);
    await expect.poll(() => cards.count(), { timeout: 60_000 }).toBeGreaterThan(early);
    await page.locator('.page-sub [data-status="succeeded"]').waitFor({ timeout: 90_000 });
    await transcript.getByRole('group', { name: 'Result' }).waitFor();
    expect(await cards.count()).toBe(7);

    // Prose, as rendered Markdown; no JSON anywhere in the transcript.
    const text = await transcript.innerText();
    expect(text).not.toMatch(/"type"|\{"|tool_use|stream-json/);
    expect(text).toContain("I'll start by reading");
    expect(await transcript.getByRole('region', { name: 'Agent message' }).first().locator('strong code').innerText()).toBe('src/cart.ts');

    // The Bash calls: command and output.
    const bash = transcript.getByRole('article', { name: 'Bash tool call' });
    expect(await bash.first().getByLabel('Command').innerText()).toBe('$ npm test -- cart');
    expect(await bash.first().getByLabel('Error output').innerText()).toContain('Expected: 90');
    expect(await bash.nth(2).getByLabel('Output').innerText()).toContain('Tests: 9 passed, 9 total');

    // The Edit as a diff.
    const edit = transcript.getByRole('article', { name: 'Edit tool call' });
    expect(await edit.locator('.diff-del .diff-text').allInnerTexts()).toEqual(['  if (coupon) total = applyDiscount(applyDiscount(total, coupon), coupon);']);
    expect(await edit.locator('.diff-add .diff-text').allInnerTexts()).toEqual(['  if (coupon) total = applyDiscount(total, coupon);']);
    // The result: turns, tokens, cost.
    expect(await transcript.getByRole('group', { name: 'Result' }).innerText()).toMatch(/8 turns.*100,354 tokens in · 550 out.*\$0\.12/s);

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `run-transcript-${scheme}`, SHOTS);
      await page.locator('.transcript .tool-card').nth(2).scrollIntoViewIfNeeded();
      await screenshot(page, `run-transcript-tools-${scheme}`, SHOTS);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }, 240_000);

  it('the Terminal tab shows the raw bytes', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const terminal = page.locator('.xterm-rows');
    await terminal.getByText('"type":"').first().waitFor({ timeout: 30_000 });
    expect(await terminal.innerText()).toContain('"session_id":"9d4b7e21');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `run-terminal-${scheme}`, SHOTS);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('tab', { name: 'Transcript' }).click();
  }, 60_000);

  it('the dashboard lists the in_review issue first; Approve moves it to done', async () => {
    const { page } = app;
    await expect.poll(async () => (await call<{ status: string }>('issues.get', { issue })).status, { timeout: 30_000 }).toBe('in_review');
    await call('issues.create', { title: 'Waiting on an API key', status: 'blocked' });
    await page.evaluate(() => (window.location.hash = '#/'));
    const queue = page.getByRole('list', { name: 'Review queue' });
    await queue.waitFor();
    const first = page.locator('.dash-grid > section').first();
    expect(await first.getAttribute('aria-label')).toBe('Needs your review');
    const item = queue.getByRole('listitem').first();
    expect(await item.getAttribute('data-issue')).toBe(issue);
    expect(await item.getByLabel('Last words').innerText()).toContain('Fixed: total() applied the coupon twice.');
    await expect.poll(() => page.title()).toBe('(2) Vigil — 2 waiting for you');

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `dashboard-${scheme}`, SHOTS);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue}`);
    await page.getByRole('heading', { name: /Coupons count twice/ }).waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `issue-${scheme}`, SHOTS);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.evaluate(() => (window.location.hash = '#/'));
    await queue.getByRole('listitem').first().getByRole('button', { name: 'Approve' }).click();
    await expect.poll(async () => (await call<{ status: string }>('issues.get', { issue })).status, { timeout: 30_000 }).toBe('done');
    await expect.poll(() => queue.locator(`[data-issue="${issue}"]`).count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => page.title()).toBe('(1) Vigil — 1 waiting for you');
    expect(app.pageErrors).toEqual([]);
  }, 120_000);
});
