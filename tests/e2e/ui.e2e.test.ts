// The UI in a real browser against a real `vigil serve`: everything is done through the page
// (agents, issues), and everything the host does comes back live over the WebSocket.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { servedBrowser } from '../helpers/served-browser';
import { screenshot } from './browser';

const HELLO = 'hello from the e2e agent';
const BYE = 'the e2e agent is done';

describe('the UI against vigil serve', () => {
  const cspViolations: string[] = [];
  const app = servedBrowser({
    page: 'served',
    cleanStop: true,
    watch: (page) =>
      page.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) cspViolations.push(m.text());
      }),
  });

  it('opens with the token, then drops it from the address bar', async () => {
    const { page } = app;
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(page.url()).not.toContain('token=');
    await page.getByText('No agents yet.').waitFor();
  });

  it('adds an agent, assigns it an issue, and shows its run and its log live', async () => {
    const { page } = app;
    await goTo(page, 'a', 'Agents');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const agentForm = page.getByRole('form', { name: 'New agent' });
    await agentForm.getByLabel('Name').fill('greeter');
    // The form defaults to an agent CLI found on the host's PATH: this agent is a plain command.
    await agentForm.getByLabel('Adapter').selectOption('process');
    // Prints a known line, stays running long enough to be watched, then prints another.
    await agentForm.getByLabel('Command').fill(`printf '%s\\n' '${HELLO}'; sleep 3; printf '%s\\n' '${BYE}'`);
    await agentForm.getByRole('button', { name: 'Add agent' }).click();
    await page.getByRole('heading', { name: 'greeter' }).waitFor();

    await goTo(page, 'i', 'Issues');
    await page.getByRole('button', { name: 'New issue' }).click();
    const issueForm = page.getByRole('form', { name: 'New issue' });
    await issueForm.getByLabel('Title').fill('Say hello');
    await issueForm.getByLabel('Assignee').selectOption('greeter');
    await issueForm.getByRole('button', { name: 'Create issue' }).click();
    await page.waitForURL(/#\/issues\/[A-Z]+-\d+$/);

    // No reload from here on: rows, statuses and log lines all arrive as pushed events.
    const runs = page.getByRole('table', { name: 'Runs of this issue' });
    await runs.locator('[data-status="running"]').waitFor({ timeout: 60_000 });

    await runs.getByRole('link').first().click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    const terminal = page.locator('.xterm-rows');
    await terminal.getByText(HELLO).waitFor({ timeout: 30_000 });
    await page.locator('.page-sub [data-status="succeeded"]').waitFor({ timeout: 60_000 });
    await terminal.getByText(BYE).waitFor({ timeout: 30_000 });
    expect(await page.locator('.facts').innerText()).toMatch(/EXIT CODE\s+0/i);

    await page.goBack();
    await page.getByRole('table', { name: 'Runs of this issue' }).locator('[data-status="succeeded"]').waitFor();
  }, 180_000);

  it('escalates an issue whose agent keeps failing, live on the escalations screen', async () => {
    const { page } = app;
    // A command that always fails: the first run fails, Vigil's one automatic continuation
    // fails too, and the issue is escalated (run_failed_after_retry).
    await goTo(page, 'a', 'Agents');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const agentForm = page.getByRole('form', { name: 'New agent' });
    await agentForm.getByLabel('Name').fill('breaker');
    await agentForm.getByLabel('Adapter').selectOption('process');
    await agentForm.getByLabel('Command').fill("echo 'about to fail'; exit 3");
    await agentForm.getByRole('button', { name: 'Add agent' }).click();
    await page.getByRole('heading', { name: 'breaker' }).waitFor();

    await goTo(page, 'i', 'Issues');
    await page.getByRole('button', { name: 'New issue' }).click();
    const issueForm = page.getByRole('form', { name: 'New issue' });
    await issueForm.getByLabel('Title').fill('Fails on purpose');
    await issueForm.getByLabel('Assignee').selectOption('breaker');
    await issueForm.getByRole('button', { name: 'Create issue' }).click();
    await page.waitForURL(/#\/issues\/[A-Z]+-\d+$/);

    await goTo(page, 'e', 'Escalations');
    const card = page.locator('.card', { hasText: 'Fails on purpose' });
    await card.waitFor({ timeout: 90_000 });
    await card.getByText('run failed after retry').waitFor();
    await card.getByRole('button', { name: 'Retry' }).waitFor();
  }, 180_000);

  it('takes a screenshot of every screen in light and dark', async () => {
    const { page } = app;
    const issue = await firstIssueOf(page, 'Say hello');
    const runHref = await runOfIssue(page, issue);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const shots: [string, string, string][] = [
        ['dashboard', '#/', 'Dashboard'],
        ['issues', '#/issues', 'Issues'],
        ['issue-detail', `#/issues/${issue}`, 'Say hello'],
        ['runs', '#/runs', 'Runs'],
        ['run-detail', runHref, 'Run'],
        ['agents', '#/agents', 'Agents'],
        ['escalations', '#/escalations', 'Escalations'],
      ];
      for (const [name, hash, heading] of shots) {
        await page.evaluate((h) => (window.location.hash = h), hash);
        await page.getByRole('heading', { name: heading }).first().waitFor();
        await page.locator('.loading').waitFor({ state: 'detached' });
        if (name === 'run-detail') await page.locator('.xterm-rows').getByText(HELLO).waitFor();
        await screenshot(page, `${name}-${scheme}`);
      }
    }
    expect(cspViolations).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  }, 120_000);
});

/** Uses the `g <key>` shortcut, so the shortcuts are exercised too. */
async function goTo(page: Page, key: string, heading: string): Promise<void> {
  await page.locator('body').click({ position: { x: 5, y: 795 } });
  await page.keyboard.press('g');
  await page.keyboard.press(key);
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

async function firstIssueOf(page: Page, title: string): Promise<string> {
  await page.evaluate(() => (window.location.hash = '#/issues'));
  const row = page.locator('tr', { hasText: title });
  await row.waitFor();
  return (await row.getAttribute('data-issue')) ?? '';
}

async function runOfIssue(page: Page, identifier: string): Promise<string> {
  await page.evaluate((h) => (window.location.hash = h), `#/issues/${identifier}`);
  const link = page.getByRole('table', { name: 'Runs of this issue' }).getByRole('link').first();
  await link.waitFor();
  return (await link.getAttribute('href')) ?? '';
}
