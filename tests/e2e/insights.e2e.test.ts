// The Insights page (and the budget bar, held agents, routines) in real Chromium against a real
// `vigil serve` on PostgreSQL, with 30 days of runs seeded into its database. Screenshots in the
// light and dark themes go to /tmp/budget-shots/ (and test-artifacts/screenshots/).
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/main/db/client';
import { agentHolds, agents, budgets, heartbeatRuns, routines, workspaces } from '../../src/main/db/schema';
import { nextDue } from '../../src/main/routines/cron';
import { servedBrowser } from '../helpers/served-browser';
import { freshPgDatabase, pgUrl } from '../helpers/stores';
import { newPage, screenshot, visit } from './browser';

const SHOTS = '/tmp/budget-shots';
const DAY = 86_400_000;

/** 30 days of runs for three agents: costs that grow, some failures, a few timeouts. */
async function seed(store: Store): Promise<void> {
  const [ws] = await store.db.select().from(workspaces);
  const names = ['builder', 'reviewer', 'triage'];
  const ids: string[] = [];
  for (const name of names) {
    const id = randomUUID();
    ids.push(id);
    await store.db.insert(agents).values({ id, workspaceId: ws.id, name, adapterType: name === 'reviewer' ? 'codex_local' : 'claude_local', runtimeConfig: { maxConcurrentRuns: 1 } });
  }
  const rows: (typeof heartbeatRuns.$inferInsert)[] = [];
  const now = Date.now();
  let n = 0;
  for (let day = 29; day >= 0; day--) {
    for (let a = 0; a < 3; a++) {
      const perDay = 1 + ((day * 7 + a * 3) % 4);
      for (let k = 0; k < perDay; k++) {
        n++;
        const started = new Date(now - day * DAY - (k + 1) * 3_600_000);
        const seconds = 60 + ((n * 37) % 900);
        const status = n % 11 === 0 ? 'failed' : n % 17 === 0 ? 'timed_out' : n % 13 === 0 ? 'cancelled' : 'succeeded';
        rows.push({
          id: randomUUID(),
          workspaceId: ws.id,
          agentId: ids[a],
          status,
          invocationSource: 'assignment',
          usage: { inputTokens: 20_000 + ((n * 7919) % 60_000), outputTokens: 1500 + ((n * 31) % 4000), costUsd: a === 1 ? 0 : Number((0.05 + ((n * 13) % 40) / 100 + (30 - day) / 60).toFixed(4)) },
          startedAt: started,
          finishedAt: new Date(started.getTime() + seconds * 1000),
          createdAt: started,
        });
      }
    }
  }
  await store.db.insert(heartbeatRuns).values(rows);
  // builder: a monthly budget, most of it spent; reviewer (a subscription) waits for its usage window.
  await store.db.insert(budgets).values({ id: randomUUID(), agentId: ids[0], limitUsd: 60, period: 'total' });
  const reset = new Date(now + 95 * 60_000);
  await store.db.insert(agentHolds).values({ agentId: ids[1], kind: 'usage_window', until: reset, reason: "the agent's CLI reported a usage limit (five_hour)" });
  await store.db.insert(routines).values({ id: randomUUID(), workspaceId: ws.id, agentId: ids[2], title: 'Triage new bugs', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', nextDueAt: nextDue('0 9 * * 1-5', 'Europe/Paris', new Date(now)) });
}

const d = pgUrl() ? describe : describe.skip;
d('Insights in Chromium with seeded data', () => {
  let databaseUrl: string;
  let store: Store;
  const pageErrors: string[] = [];
  const app = servedBrowser({
    cleanStop: true,
    setup: async () => {
      databaseUrl = await freshPgDatabase();
      return { env: { DATABASE_URL: databaseUrl } };
    },
  });

  beforeAll(async () => {
    store = await openStore({ databaseUrl });
    await seed(store);
  }, 120_000);
  afterAll(() => store?.close());

  const open = async (theme: 'light' | 'dark'): Promise<Page> => {
    const page = await newPage(app.browser, theme);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(app.served.url);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    return page;
  };

  for (const theme of ['light', 'dark'] as const) {
    it(`draws the four insights from the seeded runs (${theme})`, async () => {
      const page = await open(theme);
      await visit(page, '#/insights');
      await page.getByRole('heading', { name: 'Insights' }).waitFor();
      // uPlot draws on canvases: three charts, each with its legend totals.
      await page.locator('.chart canvas').nth(2).waitFor();
      expect(await page.locator('.chart canvas').count()).toBe(3);
      const legend = await page.locator('.chart-legend').first().innerText();
      expect(legend).toContain('builder');
      expect(legend).toContain('triage');
      const table = page.getByRole('table', { name: 'Per agent' });
      await table.getByRole('cell', { name: 'triage' }).waitFor();
      // A header row and one row per agent.
      expect(await table.getByRole('row').count()).toBe(4);
      await screenshot(page, `insights-${theme}`, SHOTS);
      await page.getByRole('button', { name: '7 days' }).click();
      await page.waitForFunction(() => document.querySelector('.segmented .active')?.textContent === '7 days');
      await screenshot(page, `insights-7d-${theme}`, SHOTS);

      await visit(page, '#/');
      await page.getByText('paused until').waitFor();
      await screenshot(page, `dashboard-held-${theme}`, SHOTS);
      await visit(page, '#/agents/builder');
      await page.getByRole('meter', { name: 'Cost spent' }).waitFor();
      await screenshot(page, `agent-budget-${theme}`, SHOTS);
      await visit(page, '#/routines');
      await page.getByRole('cell', { name: 'Triage new bugs' }).waitFor();
      await screenshot(page, `routines-${theme}`, SHOTS);
      await page.context().close();
      expect(pageErrors).toEqual([]);
    });
  }
});
