// @vitest-environment jsdom
// The run page's transcript for the native adapters: what each real parser makes of its recorded
// fixture shows as a transcript (not the terminal), with each CLI's shell, edit and read tools on
// the cards Claude Code's have, and the usage footer.
import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { getAdapter } from '../../src/main/adapters/index';
import type { AdapterEvent } from '../../src/main/adapters/types';
import type { RunEventDto } from '../../src/shared/contract';
import type { AdapterType } from '../../src/shared/domain';
import { ptyBytes } from '../fixtures/adapters/context';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

vi.mock('../../src/renderer/log/LogViewer', () => ({ default: () => <div>raw terminal bytes</div> }));

function storedEvents(runId: string, events: AdapterEvent[]): RunEventDto[] {
  return events.map((e, i) => ({
    id: `${runId}-ev-${i + 1}`,
    runId,
    seq: i + 1,
    type: e.type,
    message: e.message,
    payload: JSON.parse(JSON.stringify(e.payload ?? null)),
    createdAt: '2026-05-01T12:00:00.000Z',
  }));
}

async function transcriptOf(type: AdapterType) {
  const parser = getAdapter(type).createParser();
  const events = [...parser.push(ptyBytes(`${type}/success.jsonl`)), ...parser.end()];
  const host = new FakeHost();
  const agent = host.addAgent({ name: 'fixer', adapterType: type });
  const run = host.addRun(agent, { status: 'succeeded', finishedAt: '2026-05-01T12:01:00.000Z' });
  host.runEvents.set(run.id, storedEvents(run.id, events));
  renderApp(host, `#/runs/${run.id}`);
  return screen.findByRole('log', { name: 'Transcript' });
}

describe('native adapters on the run page', () => {
  it('gemini_local: run_shell_command, replace and read_file on the Bash, Edit and Read cards; tokens in the footer', async () => {
    const transcript = await transcriptOf('gemini_local');
    const shell = within(transcript).getByRole('article', { name: 'run_shell_command tool call' });
    expect(within(shell).getByLabelText('Command').textContent).toBe('$ npm test');
    expect(shell.className).toContain('tool-failed');
    const edit = within(transcript).getByRole('article', { name: 'replace tool call' });
    const diff = within(edit).getByRole('figure', { name: 'Change to /home/dev/shop/src/cart.ts' });
    expect([...diff.querySelectorAll('.diff-add .diff-text')].map((n) => n.textContent)).toEqual(['total = applyDiscount(total, code);']);
    expect(within(transcript).getByRole('article', { name: 'read_file tool call' }).textContent).toContain('src/cart.ts');
    expect(transcript.textContent).toContain('14,820');
  });

  it('opencode_local: bash, edit (oldString/newString) and read cards; cost in the footer', async () => {
    const transcript = await transcriptOf('opencode_local');
    expect(within(within(transcript).getByRole('article', { name: 'bash tool call' })).getByLabelText('Command').textContent).toBe('$ npm test');
    const edit = within(transcript).getByRole('article', { name: 'edit tool call' });
    expect(within(edit).getByRole('figure', { name: 'Change to /home/dev/shop/src/cart.ts' })).toBeTruthy();
    const read = within(transcript).getByRole('article', { name: 'read tool call' });
    expect(read.textContent).toContain('/home/dev/shop/src/cart.ts');
    expect(read.textContent).not.toContain('applyDiscount');
    expect(transcript.textContent).toContain('337 out · $0.03');
  });

  it.each(['qwen_local', 'cursor_local', 'copilot_local', 'amp_local'] as const)('%s: a transcript with its tool cards, not the terminal', async (type) => {
    const transcript = await transcriptOf(type);
    expect(within(transcript).getAllByRole('article').length).toBeGreaterThan(0);
    expect(transcript.textContent).not.toMatch(/"type"|\{"/);
    expect(screen.queryByText('raw terminal bytes')).toBeNull();
  });
});
