// The review loop in a real browser against a real `vigil serve` (issue 23): three line comments
// on two files from the diff, Request changes, the stand-in agent gets one follow-up turn (one
// comment naming the three places wakes it), and its next diff marks the remarks it touched.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vigil } from '../helpers/serve';
import { servedBrowser } from '../helpers/served-browser';
import { makeRepo } from '../helpers/git-repo';
import { screenshotThemes } from './browser';

const SHOTS = '/tmp/review-shots';

describe('line comments and Request changes in the browser', () => {
  const app = servedBrowser({ page: 'served', cleanStop: true });
  let repo: ReturnType<typeof makeRepo>;
  let sync: string;

  beforeAll(() => {
    repo = makeRepo({ 'README.md': '# shop\n' });
    sync = mkdtempSync(join(tmpdir(), 'vigil-e2e-sync-'));
  });
  afterAll(() => {
    repo?.cleanup();
    if (sync) rmSync(sync, { recursive: true, force: true });
  });

  it('three remarks on two files, one turn, the next diff marks them', async () => {
    const { page, pageErrors } = app;
    const cli = (...args: string[]) => vigil([...args, '--json'], { dataDir: app.data.dir });
    const command = [
      `if [ -e ${sync}/first ]; then echo "$VIGIL_WAKE_REASON" >> ${sync}/wakes`,
      "sed -i 's/  return sum;/  return roundCents(sum);/' src/cart.ts; sed -i '1i // taxes' src/tax.ts; exit 0; fi",
      "mkdir -p src; printf 'export function total(items) {\\n  let sum = 0;\\n  for (const i of items) sum += i.price;\\n  return sum;\\n}\\n' > src/cart.ts",
      "printf 'export const RATE = 0.2;\\nexport const tax = (x) => x * RATE;\\n' > src/tax.ts",
      `touch ${sync}/first`,
    ].join('; ');
    expect((await cli('agent', 'add', 'coder', '--adapter', 'process', '--command', command, '--cwd', repo.dir, '--workspace', 'worktree')).code).toBe(0);
    const issue = JSON.parse((await cli('issue', 'create', 'Cart totals', '--assign', 'coder')).stdout).identifier as string;

    await page.evaluate((h) => (window.location.hash = h), `#/issues/${issue}`);
    const changes = page.getByRole('region', { name: 'Changes' });
    await changes.getByRole('list', { name: 'Changed files' }).getByText('src/tax.ts').waitFor({ timeout: 60_000 });
    await page.getByRole('table', { name: 'Runs of this issue' }).locator('[data-status="succeeded"]').waitFor({ timeout: 60_000 });

    const remark = async (file: string, line: number, text: string) => {
      await changes.getByRole('button', { name: `Comment on ${file} line ${line}` }).click();
      const form = changes.getByRole('form', { name: `Remark on ${file} line ${line}` });
      await form.getByLabel('Remark').fill(text);
      await form.getByRole('button', { name: 'Add remark' }).click();
      await changes.getByText(text).waitFor({ timeout: 15_000 });
    };
    await remark('src/cart.ts', 4, 'use roundCents');
    await remark('src/cart.ts', 2, 'name it subtotal');
    await remark('src/tax.ts', 1, 'where does this rate come from?');
    await changes.locator('.ws-remark').nth(2).waitFor({ timeout: 15_000 });
    expect(await changes.locator('.ws-remark').count()).toBe(3);
    await screenshotThemes(page, 'remarks-pending', SHOTS);

    await changes.getByRole('button', { name: 'Request changes (3)' }).click();
    await changes.getByRole('button', { name: 'Send 3 remarks and wake the agent' }).click();

    // One follow-up run, woken by one comment that names the three places.
    await waitForFile(join(sync, 'wakes'));
    await page.getByRole('table', { name: 'Runs of this issue' }).locator('[data-status="succeeded"]').nth(1).waitFor({ timeout: 60_000 });
    expect(readFileSync(join(sync, 'wakes'), 'utf8')).toBe('issue_commented\n');
    const shown = JSON.parse((await cli('issue', 'show', issue)).stdout) as { comments: { body: string }[]; runs: unknown[] };
    const turns = shown.comments.filter((c) => c.body.startsWith('Changes requested'));
    expect(turns).toHaveLength(1);
    for (const place of ['src/cart.ts, line 2', 'src/cart.ts, line 4', 'src/tax.ts, line 1']) expect(turns[0].body).toContain(place);
    expect(shown.runs).toHaveLength(2);

    // The next diff: the remark on the changed line is marked touched; the moved one outdated.
    await changes.getByText('touched by the agent').waitFor({ timeout: 30_000 });
    expect(await changes.locator('.ws-remark-touched').count()).toBe(1);
    expect(await changes.locator('.ws-remark-touched').innerText()).toContain('use roundCents');
    await changes.getByText('line 1, now 2').waitFor();
    await screenshotThemes(page, 'remarks-touched', SHOTS);
    expect(pageErrors).toEqual([]);
  }, 240_000);
});

async function waitForFile(path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
