// The first ten minutes in a real browser against a real `vigil serve`: a stand-in `claude` on the
// host's PATH, no agents. The dashboard offers a Claude Code agent; a folder and one click make a
// claude_local agent, its sample issue runs in that folder. Screenshots in /tmp/shots-h18/.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, vigil } from '../helpers/serve';
import { servedBrowser } from '../helpers/served-browser';
import { screenshot } from './browser';

const SHOTS = process.env.VIGIL_SHOTS_DIR ?? '/tmp/shots-h18';
const VERSION = '2.1.197 (Claude Code)';

describe('first run in the browser', () => {
  let work: string;
  let runsFile: string;
  const app = servedBrowser({
    prefix: 'vigil-first-run-',
    page: 'served',
    cleanStop: true,
    setup: (tmp) => {
      const bin = join(tmp, 'bin');
      work = join(tmp, 'my-project');
      runsFile = join(tmp, 'claude-runs.txt');
      mkdirSync(bin);
      mkdirSync(join(work, '.git'), { recursive: true });
      // Answers --version like Claude Code; a run records where it ran, then prints a recorded session.
      writeFileSync(
        join(bin, 'claude'),
        [
          '#!/bin/sh',
          `if [ "$1" = "--version" ]; then echo '${VERSION}'; exit 0; fi`,
          `printf '%s\\n' "$PWD" >> '${runsFile}'`,
          `exec node '${join(ROOT, 'tests', 'fixtures', 'adapters', 'fake-agent.mjs')}' claude "$@"`,
          '',
        ].join('\n'),
      );
      chmodSync(join(bin, 'claude'), 0o755);
      return { dataDir: join(tmp, 'data'), env: { PATH: `${bin}:${process.env.PATH}` } };
    },
  });

  it('offers a Claude Code agent for the claude found on PATH, with its version', async () => {
    const { page } = app;
    const start = page.getByRole('region', { name: 'Get started' });
    await start.getByText(VERSION).waitFor({ timeout: 30_000 });
    await start.getByRole('button', { name: 'Add Claude Code agent' }).waitFor();
    await start.getByText('npm install -g @openai/codex').waitFor();
    await screenshot(page, 'first-run-light', SHOTS);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'first-run-dark', SHOTS);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('the agent form defaults to claude_local', async () => {
    const { page } = app;
    await page.evaluate(() => (window.location.hash = '#/agents'));
    await page.getByRole('button', { name: 'Add agent' }).click();
    const form = page.getByRole('form', { name: 'New agent' });
    await expect.poll(() => form.getByLabel('Adapter').inputValue(), { timeout: 15_000 }).toBe('claude_local');
    await screenshot(page, 'agent-form-default', SHOTS);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await page.evaluate(() => (window.location.hash = '#/'));
  });

  it('a folder and one click make a claude_local agent whose sample issue runs in that folder', async () => {
    const { page } = app;
    const start = page.getByRole('region', { name: 'Get started' });
    const folder = start.getByLabel('The folder it works in');
    await folder.fill(join(app.data.dir, 'not-there'));
    await start.getByText('there is no such folder').waitFor();
    expect(await start.getByRole('button', { name: 'Add Claude Code agent' }).isDisabled()).toBe(true);
    await screenshot(page, 'first-run-bad-folder', SHOTS);

    await folder.fill(work);
    await start.getByText(`${work}: a git repository.`).waitFor();
    await screenshot(page, 'first-run-ready', SHOTS);
    await start.getByRole('button', { name: 'Add Claude Code agent' }).click();

    // The sample issue opens, and its first run happens live.
    await page.waitForURL(/#\/issues\/[A-Z]+-\d+$/);
    await page.getByRole('heading', { name: 'Say hello: tell me what this project is' }).waitFor();
    await page.getByRole('table', { name: 'Runs of this issue' }).locator('[data-status="succeeded"]').waitFor({ timeout: 90_000 });
    await screenshot(page, 'first-run-issue', SHOTS);

    const shown = await vigil(['agent', 'show', 'claude', '--json'], { dataDir: app.served.dataDir });
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'claude', adapterType: 'claude_local', cwd: work });
    expect(readFileSync(runsFile, 'utf8').trim().split('\n')).toEqual([work]);

    // With an agent, the dashboard is the usual one.
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('table', { name: 'Agents' }).getByRole('link', { name: 'claude' }).waitFor();
    expect(await page.getByRole('region', { name: 'Get started' }).count()).toBe(0);
    await screenshot(page, 'dashboard-after', SHOTS);
    expect(app.pageErrors).toEqual([]);
  }, 180_000);
});
