// @vitest-environment jsdom
// Issue detail keeps system comments apart and takes new comments live; creating an issue
// validates by field.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeHost } from '../helpers/renderer-fake-host';
import { invalidField, openForm, renderApp, submitWith } from '../helpers/renderer-harness';

describe('issue detail', () => {
  it('shows system comments apart from people and agents, and appends comments as they arrive', async () => {
    const host = new FakeHost();
    const agent = host.addAgent({ name: 'builder' });
    const issue = host.addIssue({ title: 'Fix the flaky test', assigneeAgent: agent.name, assigneeAgentId: agent.id, body: 'It fails one run in ten.' });
    host.addComment(issue, { body: 'Looking into it.', authorType: 'agent', authorName: 'builder' });
    host.addComment(issue, { body: 'Run lost; queued one automatic retry.', authorType: 'system' });
    renderApp(host, `#/issues/${issue.identifier}`);

    expect(await screen.findByText('It fails one run in ten.')).toBeTruthy();
    const system = screen.getByText('Run lost; queued one automatic retry.').closest('li')!;
    expect(system.getAttribute('data-author')).toBe('system');
    expect(system.className).toContain('comment-system');
    expect(within(system).getByText('system')).toBeTruthy();
    const agentComment = screen.getByText('Looking into it.').closest('li')!;
    expect(agentComment.className).not.toContain('comment-system');

    const later = host.addComment(issue, { body: 'Fixed in abc123.', authorType: 'agent', authorName: 'builder' });
    act(() => host.emit('comment.added', later));
    expect(await screen.findByText('Fixed in abc123.')).toBeTruthy();
  });

  it('sends a comment and changes the status through the host', async () => {
    const host = new FakeHost();
    const issue = host.addIssue({ title: 'Write docs' });
    renderApp(host, `#/issues/${issue.identifier}`);
    fireEvent.change(await screen.findByLabelText('New comment'), { target: { value: 'Please include examples.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Comment' }));
    expect(await screen.findByText('Please include examples.', { selector: '.comment-body p' })).toBeTruthy();
    expect(host.calls('issues.comment')).toEqual([{ issue: issue.identifier, body: 'Please include examples.' }]);

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'in_review' } });
    await waitFor(() => expect(host.calls('issues.update')).toEqual([{ issue: issue.identifier, status: 'in_review' }]));
  });

  it('says which field is wrong when creating an issue', async () => {
    const host = new FakeHost();
    const form = await openForm(host, '#/issues', 'New issue', 'New issue');
    submitWith(form, { Title: '   ' });
    expect(invalidField(form, 'Title')).toMatch(/too small|at least|>=1/i);
    expect(host.calls('issues.create')).toEqual([]);
  });
});
