// @vitest-environment jsdom
// A coding agent's run page reads as a transcript built from its stored events (here: what the
// real claude_local parser makes of the recorded stream-json fixture), growing live on run.event.
import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { getAdapter } from '../../src/main/adapters/index';
import { promptEvent, type AdapterEvent } from '../../src/main/adapters/types';
import type { RunEventDto } from '../../src/shared/contract';
import { ptyBytes } from '../fixtures/adapters/context';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

vi.mock('../../src/renderer/log/LogViewer', () => ({ default: () => <div>raw terminal bytes</div> }));

function storedEvents(runId: string, events: AdapterEvent[], firstSeq = 1): RunEventDto[] {
  return events.map((e, i) => ({
    id: `${runId}-ev-${firstSeq + i}`,
    runId,
    seq: firstSeq + i,
    type: e.type,
    message: e.message,
    // Through JSON, as the database gives it back.
    payload: JSON.parse(JSON.stringify(e.payload ?? null)),
    createdAt: '2026-05-01T12:00:00.000Z',
  }));
}

function parsedFixture(name: string): AdapterEvent[] {
  const parser = getAdapter('claude_local').createParser();
  return [...parser.push(ptyBytes(name)), ...parser.end()];
}

function claudeRun(status: 'running' | 'succeeded' = 'succeeded') {
  const host = new FakeHost();
  const agent = host.addAgent({ name: 'scribe', adapterType: 'claude_local' });
  const run = host.addRun(agent, { status, finishedAt: status === 'running' ? null : '2026-05-01T12:01:00.000Z' });
  return { host, agent, run };
}

describe('the transcript of a claude_local run', () => {
  it('opens on the transcript: the prompt, prose as Markdown, tool cards, folded thinking, the result; no JSON', async () => {
    const { host, run } = claudeRun();
    host.runEvents.set(run.id, storedEvents(run.id, [promptEvent('You are scribe. Fix SHOP-14: coupons count twice.'), ...parsedFixture('claude-transcript.jsonl')]));
    renderApp(host, `#/runs/${run.id}`);
    const transcript = await screen.findByRole('log', { name: 'Transcript' });
    expect(screen.getByRole('tab', { name: 'Transcript' }).getAttribute('aria-selected')).toBe('true');
    expect(transcript.textContent).not.toMatch(/"type"|\{"/);

    // The prompt, folded.
    expect(within(transcript).getByText('Prompt').closest('details')?.open).toBe(false);
    expect(transcript.textContent).toContain('coupons count twice');

    // Prose is Markdown: bold and code rendered as elements.
    const messages = within(transcript).getAllByRole('region', { name: 'Agent message' });
    expect(messages[0].querySelector('strong code')?.textContent).toBe('src/cart.ts');
    expect(messages[0].querySelectorAll('li')).toHaveLength(2);

    // Bash: its command and its output.
    const bash = within(transcript).getAllByRole('article', { name: 'Bash tool call' });
    expect(within(bash[0]).getByLabelText('Command').textContent).toBe('$ npm test -- cart');
    expect(within(bash[0]).getByLabelText('Error output').textContent).toContain('Expected: 90');
    expect(bash[0].className).toContain('tool-failed');
    expect(within(bash[2]).getByLabelText('Output').textContent).toContain('Tests: 9 passed, 9 total');
    expect(bash[2].className).not.toContain('tool-failed');

    // Edit and Write: the change as a diff.
    const edit = within(transcript).getByRole('article', { name: 'Edit tool call' });
    const diff = within(edit).getByRole('figure', { name: 'Change to /home/dev/shop/src/cart.ts' });
    expect([...diff.querySelectorAll('.diff-del .diff-text')].map((n) => n.textContent)).toEqual(['  if (coupon) total = applyDiscount(applyDiscount(total, coupon), coupon);']);
    expect([...diff.querySelectorAll('.diff-add .diff-text')].map((n) => n.textContent)).toEqual(['  if (coupon) total = applyDiscount(total, coupon);']);
    const write = within(transcript).getByRole('article', { name: 'Write tool call' });
    expect(write.querySelectorAll('.diff-add')).toHaveLength(5);

    // Read: the path only.
    const read = within(transcript).getByRole('article', { name: 'Read tool call' });
    expect(read.textContent).toContain('/home/dev/shop/src/cart.ts');
    expect(read.textContent).not.toContain('applyDiscount');

    // Thinking folded; the result with turns, tokens and cost.
    const thinking = within(transcript).getAllByText('Thinking');
    expect(thinking.every((t) => t.closest('details')?.open === false)).toBe(true);
    const result = within(transcript).getByRole('group', { name: 'Result' });
    expect(result.textContent).toContain('8 turns');
    expect(result.textContent).toContain('100,354 tokens in · 550 out');
    expect(result.textContent).toContain('$0.12');

    // The raw terminal is one click away.
    fireEvent.click(screen.getByRole('tab', { name: 'Terminal' }));
    expect(await screen.findByText('raw terminal bytes')).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: /Events/ }));
    expect(screen.getByRole('table', { name: 'Run events' })).toBeTruthy();
  });

  it('grows live as run.event arrives, without refetching the run', async () => {
    const { host, run } = claudeRun('running');
    const all = parsedFixture('claude-transcript.jsonl');
    host.runEvents.set(run.id, storedEvents(run.id, all.slice(0, 2)));
    renderApp(host, `#/runs/${run.id}`);
    const transcript = await screen.findByRole('log', { name: 'Transcript' });
    const fetches = host.calls('runs.get').length;
    expect(within(transcript).queryByRole('article', { name: 'Bash tool call' })).toBeNull();
    expect(transcript.textContent).toContain('The agent is working');

    act(() => host.emit('run.event', { runId: run.id, events: storedEvents(run.id, all.slice(2, 7), 3) }));
    const bash = await within(transcript).findByRole('article', { name: 'Bash tool call' });
    expect(within(bash).getByLabelText('Command').textContent).toBe('$ npm test -- cart');
    // A batch seen twice (a reconnect) adds nothing; another run's events are not this run's.
    act(() => host.emit('run.event', { runId: run.id, events: storedEvents(run.id, all.slice(2, 7), 3) }));
    act(() => host.emit('run.event', { runId: 'other', events: storedEvents('other', all.slice(7, 9), 8) }));
    expect(within(transcript).getAllByRole('article')).toHaveLength(2);
    expect(host.calls('runs.get').length).toBe(fetches);
  });

  it('sanitizes what the agent wrote: no script, no event handler attributes', async () => {
    const { host, run } = claudeRun();
    const text = 'Done <img src=x onerror="alert(1)"><script>alert(2)</script> [link](javascript:alert(3)) <a href="https://example.com" onclick="x()">ok</a>';
    host.runEvents.set(run.id, storedEvents(run.id, [{ type: 'assistant', message: text, payload: { text, truncated: false } }]));
    renderApp(host, `#/runs/${run.id}`);
    const message = await screen.findByRole('region', { name: 'Agent message' });
    expect(message.querySelector('script, img, [onerror], [onclick]')).toBeNull();
    expect(message.querySelector('a[href^="javascript"]')).toBeNull();
    expect(message.querySelector('a[href="https://example.com"]')?.getAttribute('target')).toBe('_blank');
  });

  it('folds a long output behind "Show all", and marks a clipped one', async () => {
    const { host, run } = claudeRun();
    const output = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    host.runEvents.set(run.id, [
      ...storedEvents(run.id, [{ type: 'tool_use', message: 'Bash: seq 40', payload: { id: 't1', name: 'Bash', input: { command: 'seq 40' } } }]),
      ...storedEvents(run.id, [{ type: 'tool_result', message: 'line 1', payload: { toolUseId: 't1', isError: false, text: output, truncated: true } }], 2),
    ]);
    renderApp(host, `#/runs/${run.id}`);
    const card = await screen.findByRole('article', { name: 'Bash tool call' });
    const fold = card.querySelector('details.tool-fold') as HTMLDetailsElement;
    expect(fold.open).toBe(false);
    expect(within(card).getByText('Show all 40 lines')).toBeTruthy();
    expect(card.textContent).toContain('Cut to 16 KiB');
  });

  it('a process run keeps the terminal as its main view, no tabs', async () => {
    const host = new FakeHost();
    const agent = host.addAgent({ name: 'shell', adapterType: 'process' });
    const run = host.addRun(agent);
    renderApp(host, `#/runs/${run.id}`);
    expect(await screen.findByText('raw terminal bytes')).toBeTruthy();
    expect(screen.queryByRole('tablist')).toBeNull();
    expect(screen.queryByRole('log', { name: 'Transcript' })).toBeNull();
  });
});
