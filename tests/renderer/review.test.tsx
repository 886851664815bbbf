// @vitest-environment jsdom
// The dashboard opens on the review queue: what agents finished, with their last words;
// Approve, Request changes and the j/k/Enter/a/r keys; the window title counts it. Settings
// turn each notification kind on or off.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

function hostWithQueue() {
  const host = new FakeHost();
  const agent = host.addAgent({ name: 'scribe', adapterType: 'claude_local' });
  const first = host.addIssue({ title: 'Coupons count twice', status: 'in_review', assigneeAgentId: agent.id, assigneeAgent: 'scribe' });
  host.addComment(first, { body: 'Fixed total(); added a regression test.', authorType: 'agent', authorName: 'scribe' });
  const second = host.addIssue({ title: 'Cache the prices', status: 'in_review', assigneeAgentId: agent.id, assigneeAgent: 'scribe' });
  const stuck = host.addIssue({ title: 'Needs an API key', status: 'blocked' });
  host.addIssue({ title: 'Not yet', status: 'todo' });
  return { host, first, second, stuck };
}

const keys = (key: string) => act(() => void fireEvent.keyDown(window, { key }));

describe('review queue', () => {
  /** The dashboard over a host with a review queue, once the queue shows. */
  const queueShown = async () => {
    const seeded = hostWithQueue();
    renderApp(seeded.host, '#/');
    return { ...seeded, list: await screen.findByRole('list', { name: 'Review queue' }) };
  };

  it('is the dashboard’s first section: in review first (newest first), then blocked, with the last words', async () => {
    const { first, second, stuck, list } = await queueShown();
    const sections = document.querySelectorAll('.dash-grid > section');
    expect(sections[0].getAttribute('aria-label')).toBe('Needs your review');
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.dataset.issue)).toEqual([second.identifier, first.identifier, stuck.identifier]);
    expect(within(items[1]).getByLabelText('Last words').textContent).toContain('Fixed total(); added a regression test.');
    expect(within(items[2]).queryByRole('button', { name: 'Approve' })).toBeNull();
    await waitFor(() => expect(document.title).toBe('(3) Vigil — 3 waiting for you'));
  });

  it('Approve marks the issue done and it leaves the queue', async () => {
    const { host, first, list } = await queueShown();
    const item = list.querySelector(`[data-issue="${first.identifier}"]`) as HTMLElement;
    fireEvent.click(within(item).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(list.querySelector(`[data-issue="${first.identifier}"]`)).toBeNull());
    expect(host.calls('issues.update')).toEqual([{ issue: first.identifier, status: 'done' }]);
    await waitFor(() => expect(document.title).toBe('(2) Vigil — 2 waiting for you'));
  });

  it('Request changes posts a comment (which wakes the agent)', async () => {
    const { host, second, list } = await queueShown();
    const item = list.querySelector(`[data-issue="${second.identifier}"]`) as HTMLElement;
    fireEvent.click(within(item).getByRole('button', { name: 'Request changes' }));
    const form = within(item).getByRole('form', { name: `Request changes on ${second.identifier}` });
    fireEvent.change(within(form).getByRole('textbox'), { target: { value: 'Invalidate on price change too.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Send to the agent' }));
    await waitFor(() => expect(host.calls('issues.comment')).toEqual([{ issue: second.identifier, body: 'Invalidate on price change too.' }]));
    await waitFor(() => expect(within(item).queryByRole('form')).toBeNull());
  });

  it('j/k move through the queue, a approves, r asks for changes, Enter opens', async () => {
    const { host, first, second, list } = await queueShown();
    const selected = () => list.querySelector('[aria-current="true"]')?.getAttribute('data-issue');
    expect(selected()).toBe(second.identifier);
    keys('j');
    expect(selected()).toBe(first.identifier);
    keys('k');
    keys('k');
    expect(selected()).toBe(second.identifier);
    keys('r');
    const form = await screen.findByRole('form', { name: `Request changes on ${second.identifier}` });
    // Typing in the box is typing, not shortcuts.
    fireEvent.keyDown(within(form).getByRole('textbox'), { key: 'a' });
    expect(host.calls('issues.update')).toEqual([]);
    fireEvent.keyDown(within(form).getByRole('textbox'), { key: 'Escape' });
    keys('a');
    await waitFor(() => expect(host.calls('issues.update')).toEqual([{ issue: second.identifier, status: 'done' }]));
    await waitFor(() => expect(selected()).toBe(first.identifier));
    keys('Enter');
    await waitFor(() => expect(window.location.hash).toBe(`#/issues/${first.identifier}`));
  });

  it('says so when nothing waits', async () => {
    renderApp(new FakeHost(), '#/');
    expect(await screen.findByText('Nothing waits for your review.')).toBeTruthy();
    expect(document.title).toBe('Vigil');
  });
});

describe('settings', () => {
  it('turns a notification kind off through the host', async () => {
    const host = new FakeHost();
    renderApp(host, '#/settings');
    const box = await screen.findByRole('checkbox', { name: /An issue is ready for review/ });
    expect((box as HTMLInputElement).checked).toBe(true);
    fireEvent.click(box);
    await waitFor(() => expect(host.calls('settings.update')).toEqual([{ notifications: { in_review: false } }]));
    await waitFor(() => expect((screen.getByRole('checkbox', { name: /An issue is ready for review/ }) as HTMLInputElement).checked).toBe(false));
  });
});
