// The run page's Terminal takes keyboard input for a live run (issue 21), in real Chromium:
// take the wheel, type, the agent answers on screen; who typed is in the run's events.
import { describe, expect, it } from 'vitest';
import type { RunDetailDto, RunDto } from '../../src/shared/contract';
import { waitFor } from '../helpers/host';
import { servedBrowser } from '../helpers/served-browser';
import { screenshot } from './browser';

describe("the run page's terminal takes input", () => {
  const app = servedBrowser({ prefix: 'vigil-wheel-', page: 'blank' });
  const cli = app.cli;

  it('take the wheel, type, the agent answers; let go', { timeout: 180_000 }, async () => {
    const { page, served } = app;
    await cli('agent', 'add', 'echoer', '--adapter', 'process', '--command', 'echo ready; while IFS= read -r line; do echo "got: $line"; done');
    await cli('issue', 'create', 'talk to me', '--assign', 'echoer');
    const run = await waitFor(async () => (await cli<{ items: RunDto[] }>('run', 'list', '--agent', 'echoer')).items.find((r) => r.status === 'running'), 60_000, 'a running run');
    await page.goto(served.url);
    await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), run.id);
    const terminal = page.getByTestId('log-terminal');
    await terminal.getByText('ready').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Take the wheel' }).click();
    await page.getByRole('button', { name: 'Let go of the wheel' }).waitFor();
    await page.keyboard.type('hello from the page');
    await page.keyboard.press('Enter');
    await terminal.getByText('got: hello from the page').waitFor({ timeout: 30_000 });
    await screenshot(page, 'reach-terminal-wheel');

    const typed = await waitFor(async () => (await cli<RunDetailDto>('run', 'show', run.id)).events.find((e) => e.type === 'terminal_input'), 30_000, 'the input event');
    expect(typed.message).toMatch(/^the run page \([0-9a-f]{4}\) typed into the terminal$/);

    await page.getByRole('button', { name: 'Let go of the wheel' }).click();
    await page.getByRole('button', { name: 'Take the wheel' }).waitFor();
    const events = (await cli<RunDetailDto>('run', 'show', run.id)).events.filter((e) => e.type === 'terminal_wheel').map((e) => e.message);
    expect(events).toEqual([expect.stringMatching(/took the wheel$/), expect.stringMatching(/let go of the wheel$/)]);
  });
});
