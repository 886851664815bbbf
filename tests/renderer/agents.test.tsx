// @vitest-environment jsdom
// The agent form: errors land next to their field (ours and the host's), and masked secrets
// are shown masked and never sent back.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MASKED_SECRET } from '../../src/shared/domain';
import { FakeHost } from '../helpers/renderer-fake-host';
import { fieldError, invalidField, openForm, renderApp, submitWith } from '../helpers/renderer-harness';

describe('agent form', () => {
  it('shows a missing command next to the command field', async () => {
    const host = new FakeHost();
    const form = await openForm(host, '#/agents', 'Add agent', 'New agent');
    submitWith(form, { Name: 'builder' });
    expect(invalidField(form, 'Command')).toBe('the process adapter needs --command');
    expect(host.calls('agents.create')).toEqual([]);
  });

  it("shows the host's error by the field it names", async () => {
    const host = new FakeHost();
    host.addAgent({ name: 'builder' });
    const form = await openForm(host, '#/agents', 'Add agent', 'New agent');
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'builder' } });
    fireEvent.change(within(form).getByLabelText('Command'), { target: { value: 'echo hi' } });
    fireEvent.submit(form);
    const name = within(form).getByLabelText('Name');
    await waitFor(() => expect(fieldError(name)).toBe('an agent named "builder" already exists'));
    expect(host.calls('agents.create')).toHaveLength(1);
  });

  it('shows a masked secret masked, keeps it through edits, and only replaces it with a typed value', async () => {
    const host = new FakeHost();
    const agent = host.addAgent({ name: 'builder', env: { REGION: 'eu' } }, { API_KEY: 'sk-real' });
    expect(agent.env.API_KEY).toBe(MASKED_SECRET);
    renderApp(host, '#/agents/builder');
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: 'Edit agent builder' });
    expect(within(form).getByLabelText('API_KEY is set (hidden)').textContent).toBe(MASKED_SECRET);
    expect(within(form).queryByDisplayValue(MASKED_SECRET)).toBeNull(); // never an editable value
    expect(within(form).getByDisplayValue('API_KEY').hasAttribute('readonly')).toBe(true); // nor moved to another name

    // An untouched env is not sent at all.
    fireEvent.change(within(form).getByLabelText('Timeout (s)'), { target: { value: '600' } });
    fireEvent.submit(form);
    await waitFor(() => expect(host.calls('agents.update')).toHaveLength(1));
    expect(host.calls('agents.update')[0]).toEqual({ agent: agent.id, patch: { timeoutSec: 600 } });

    // Another variable changes: the untouched secret goes back only as the host's keep-marker,
    // and the host still holds the real value.
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const again = screen.getByRole('form', { name: 'Edit agent builder' });
    fireEvent.change(within(again).getByDisplayValue('eu'), { target: { value: 'us' } });
    fireEvent.submit(again);
    await waitFor(() => expect(host.calls('agents.update')).toHaveLength(2));
    expect((host.calls('agents.update')[1] as { patch: unknown }).patch).toEqual({ env: { REGION: 'us', API_KEY: MASKED_SECRET } });
    expect(host.secrets.get(agent.id)).toEqual({ API_KEY: 'sk-real' });

    // Replacing it sends what was typed.
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const third = screen.getByRole('form', { name: 'Edit agent builder' });
    fireEvent.click(within(third).getByRole('button', { name: 'Replace' }));
    fireEvent.change(within(third).getByLabelText('Variable 2 value'), { target: { value: 'sk-new' } });
    fireEvent.submit(third);
    await waitFor(() => expect(host.calls('agents.update')).toHaveLength(3));
    expect((host.calls('agents.update')[2] as { patch: unknown }).patch).toEqual({ env: { REGION: 'us', API_KEY: 'sk-new' } });
    expect(host.secrets.get(agent.id)).toEqual({ API_KEY: 'sk-new' });
  });

  it('sends every env value as a secret unless its row is marked public', async () => {
    const host = new FakeHost();
    const agent = host.addAgent({ name: 'deployer', env: { REGION: 'eu' } }, { DB_PASS: 'hunter2-db' });
    renderApp(host, '#/agents/deployer');
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: 'Edit agent deployer' });
    expect((within(form).getByLabelText('REGION is public') as HTMLInputElement).checked).toBe(true);
    expect((within(form).getByLabelText('DB_PASS is public') as HTMLInputElement).checked).toBe(false);
    // REGION stops being public: the names go out, the values stay as they were.
    fireEvent.click(within(form).getByLabelText('REGION is public'));
    fireEvent.submit(form);
    await waitFor(() => expect(host.calls('agents.update')).toHaveLength(1));
    expect(host.calls('agents.update')[0]).toEqual({ agent: agent.id, patch: { envPublic: [] } });
  });
});

describe('agent form: checked as the person types', () => {
  it('says a missing folder and a command not found next to their fields, with the fix, without saving; and clears them once fixed', async () => {
    const host = new FakeHost();
    host.folders.add('/home/dev/repo');
    renderApp(host, '#/agents');
    fireEvent.click(await screen.findByRole('button', { name: 'Add agent' }));
    const form = screen.getByRole('form', { name: 'New agent' });
    fireEvent.change(within(form).getByLabelText('Adapter'), { target: { value: 'process' } });
    const command = within(form).getByLabelText('Command');
    const folder = within(form).getByLabelText('Working folder');
    fireEvent.change(command, { target: { value: 'no-such-agent --go' } });
    fireEvent.change(folder, { target: { value: '/home/dev/nope' } });

    await waitFor(() => expect(fieldError(folder)).toBe('The folder /home/dev/nope: there is no such folder. Create it (mkdir -p /home/dev/nope) or choose another folder.'), { timeout: 5000 });
    expect(fieldError(command)).toBe('The command "no-such-agent" was not found on PATH. Install it, give its full path, or add its folder to PATH in the agent\'s env.');
    // Asked through the check call with the form's values; nothing was saved.
    expect(host.calls('agents.check')).toContainEqual({ draft: { adapterType: 'process', command: 'no-such-agent --go', cwd: '/home/dev/nope' } });
    expect(host.calls('agents.create')).toEqual([]);
    // Typing is not asked of the host keystroke by keystroke: one call per pause.
    const before = host.calls('agents.check').length;
    for (const text of ['e', 'ec', 'ech', 'echo']) fireEvent.change(command, { target: { value: text } });
    fireEvent.change(folder, { target: { value: '/home/dev/repo' } });
    await waitFor(() => expect(fieldError(folder)).toBeNull(), { timeout: 5000 });
    expect(fieldError(command)).toBeNull();
    expect(host.calls('agents.check').length - before).toBe(1);
  });
});
