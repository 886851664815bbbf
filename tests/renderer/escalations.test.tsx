// @vitest-environment jsdom
// Escalations: why, and one click to retry, dismiss or reassign; resolved ones leave the list live.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

function setup() {
  const host = new FakeHost();
  const builder = host.addAgent({ name: 'builder' });
  host.addAgent({ name: 'reviewer' });
  const issue = host.addIssue({ title: 'Flaky checkout test', status: 'blocked', assigneeAgent: builder.name, assigneeAgentId: builder.id });
  const escalation = host.addEscalation(issue, { message: 'Run failed (adapter_failed) and it was already the automatic retry.' });
  return { host, issue, escalation };
}

describe('escalations', () => {
  it('says why, links the issue, and retries with one click', async () => {
    const { host, issue, escalation } = setup();
    renderApp(host, '#/escalations');
    const card = (await screen.findByText('Run failed (adapter_failed) and it was already the automatic retry.')).closest('li')!;
    expect(within(card).getByRole('link', { name: 'Open issue' }).getAttribute('href')).toBe(`#/issues/${issue.identifier}`);
    fireEvent.click(within(card).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByText('Run failed (adapter_failed) and it was already the automatic retry.')).toBeNull());
    expect(host.calls('escalations.retry')).toEqual([{ escalation: escalation.id }]);
    expect(await screen.findByText('Nothing needs you.')).toBeTruthy();
  });

  it('reassigns the issue to another agent', async () => {
    const { host, issue } = setup();
    renderApp(host, '#/escalations');
    const select = await screen.findByLabelText(`Reassign ${issue.identifier} to`);
    fireEvent.change(select, { target: { value: 'reviewer' } });
    fireEvent.click(screen.getByRole('button', { name: 'Reassign' }));
    await waitFor(() => expect(host.calls('issues.assign')).toEqual([{ issue: issue.identifier, agent: 'reviewer' }]));
  });
});
