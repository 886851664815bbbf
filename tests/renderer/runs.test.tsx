// @vitest-environment jsdom
// The runs list pages through the host's cursor, rows change live on events, and a failed
// run says why in plain words.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { RUN_ERROR_EXPLANATIONS } from '../../src/shared/domain';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

// xterm needs a real layout engine; the log viewer's data logic is tested on its own.
vi.mock('../../src/renderer/log/LogViewer', () => ({ default: () => <div>log viewer</div> }));

function hostWithRuns(count: number) {
  const host = new FakeHost();
  const agent = host.addAgent({ name: 'builder' });
  const runs = Array.from({ length: count }, () => host.addRun(agent));
  return { host, agent, runs };
}

const rowsOf = (table: HTMLElement) => within(table).getAllByRole('row').slice(1);

describe('runs list', () => {
  it('shows the first page and loads the next one only when asked, following nextCursor', async () => {
    const { host } = hostWithRuns(120);
    renderApp(host, '#/runs');
    const table = await screen.findByRole('table', { name: 'Runs' });
    expect(rowsOf(table)).toHaveLength(50);
    expect(screen.getByText('50 of 120')).toBeTruthy();
    expect(host.calls('runs.list')).toEqual([{ limit: 50 }]);

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rowsOf(table)).toHaveLength(100));
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rowsOf(table)).toHaveLength(120));

    expect(host.calls('runs.list')).toEqual([{ limit: 50 }, { limit: 50, cursor: '50' }, { limit: 50, cursor: '100' }]);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('filters by status through the host', async () => {
    const { host, agent } = hostWithRuns(3);
    host.addRun(agent, { status: 'failed', errorCode: 'adapter_failed', exitCode: 1 });
    renderApp(host, '#/runs');
    await screen.findByRole('table', { name: 'Runs' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() => expect(rowsOf(screen.getByRole('table', { name: 'Runs' }))).toHaveLength(1));
    expect(host.calls('runs.list')).toContainEqual({ status: 'failed', limit: 50 });
  });

  it('updates a row when its run changes, and inserts a new run at the top, without refetching', async () => {
    const { host, agent, runs } = hostWithRuns(3);
    renderApp(host, '#/runs');
    const table = await screen.findByRole('table', { name: 'Runs' });
    const fetches = host.calls('runs.list').length;

    const changed = { ...runs[1], status: 'failed' as const, errorCode: 'timeout' as const, exitCode: null };
    act(() => host.emit('run.updated', changed));
    const row = table.querySelector(`[data-run-id="${changed.id}"]`) as HTMLElement;
    expect(await within(row).findByText('timeout')).toBeTruthy();
    expect(row.querySelector('[data-status]')?.getAttribute('data-status')).toBe('failed');

    const fresh = host.addRun(agent, { status: 'running', finishedAt: null, exitCode: null });
    act(() => host.emit('run.created', fresh));
    await waitFor(() => expect(rowsOf(table)[0].getAttribute('data-run-id')).toBe(fresh.id));
    expect(screen.getByText('4 in total')).toBeTruthy();
    expect(host.calls('runs.list').length).toBe(fetches);
  });

  it('keeps the dashboard\'s running list to running runs as statuses change', async () => {
    const { host, agent } = hostWithRuns(0);
    const live = host.addRun(agent, { status: 'running', finishedAt: null, lastOutputLine: 'compiling…' });
    renderApp(host, '#/');
    const table = await screen.findByRole('table', { name: 'Running runs' });
    expect(within(table).getByText('compiling…')).toBeTruthy();

    act(() => host.emit('run.updated', { ...live, lastOutputLine: 'tests passed' }));
    expect(await within(table).findByText('tests passed')).toBeTruthy();

    act(() => host.emit('run.updated', { ...live, status: 'succeeded', finishedAt: host.now() }));
    expect(await screen.findByText('Nothing is running.')).toBeTruthy();
  });
});

describe('run detail', () => {
  it('shows the error code with its plain-words explanation and the retry chain', async () => {
    const { host, agent } = hostWithRuns(0);
    const first = host.addRun(agent, { status: 'failed', errorCode: 'process_lost', exitCode: null });
    const retry = host.addRun(agent, { status: 'failed', errorCode: 'adapter_failed', exitCode: 3, retryOfRunId: first.id, error: 'exit code 3' });
    renderApp(host, `#/runs/${retry.id}`);

    const callout = await screen.findByRole('note', { name: 'Why the run ended' });
    expect(within(callout).getByText('adapter_failed')).toBeTruthy();
    expect(within(callout).getByText(RUN_ERROR_EXPLANATIONS.adapter_failed)).toBeTruthy();
    expect(within(callout).getByText('exit code 3')).toBeTruthy();

    const chain = screen.getByLabelText('Retry chain');
    const link = within(chain).getByRole('link');
    expect(link.getAttribute('href')).toBe(`#/runs/${first.id}`);
    expect(within(chain).getByText('process_lost')).toBeTruthy();
    expect(await screen.findByText('log viewer')).toBeTruthy();
  });
});
