// @vitest-environment jsdom
// The first-run path: with no agents the dashboard offers ready-made agents for the CLIs the host
// found, with a checked folder and a first issue; the agent form defaults to the first CLI found.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentCliDto } from '../../src/shared/contract';
import { SAMPLE_ISSUE } from '../../src/renderer/screens/FirstRun';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

const CLAUDE: AgentCliDto = { adapterType: 'claude_local', command: 'claude', label: 'Claude Code', install: 'npm install -g @anthropic-ai/claude-code', login: 'run `claude` once', transport: 'pty', capabilities: { transcript: true, resume: true, tokens: true, cost: true, permissionRequests: false, liveInput: false }, path: '/usr/local/bin/claude', version: '2.1.197 (Claude Code)', problem: null };
const CODEX_MISSING: AgentCliDto = { adapterType: 'codex_local', command: 'codex', label: 'Codex CLI', install: 'npm install -g @openai/codex', login: 'run `codex login` once', transport: 'pty', capabilities: { transcript: true, resume: true, tokens: true, cost: false, permissionRequests: false, liveInput: false }, path: null, version: null, problem: null };
const CODEX: AgentCliDto = { ...CODEX_MISSING, path: '/usr/bin/codex', version: 'codex-cli 0.169.0' };

function hostWith(clis: AgentCliDto[], folderPicker: 'native' | 'path' = 'path'): FakeHost {
  const host = new FakeHost();
  host.setupInfo = { clis, folderPicker, home: '/home/dev', suggestedFolders: ['/home/dev/src/shop', '/home/dev'] };
  host.folders = new Set(['/home/dev', '/home/dev/src/shop', '/home/dev/src/app']);
  return host;
}

const panel = async () => screen.findByRole('region', { name: 'Get started' });

beforeEach(() => localStorage.clear());

describe('first run on the dashboard', () => {
  it('offers the CLIs found, with their versions, and how to install the missing one', async () => {
    renderApp(hostWith([CLAUDE, CODEX_MISSING]), '#/');
    const start = await panel();
    expect(await within(start).findByText('2.1.197 (Claude Code)')).toBeTruthy();
    expect(within(start).getByText('/usr/local/bin/claude')).toBeTruthy();
    expect(within(start).getByRole('button', { name: 'Add Claude Code agent' })).toBeTruthy();
    expect(within(start).queryByRole('button', { name: 'Add Codex CLI agent' })).toBeNull();
    expect(within(start).getByText('npm install -g @openai/codex')).toBeTruthy();
  });

  it('one click on a checked folder makes a claude_local agent with a first issue, and opens the issue', async () => {
    const host = hostWith([CLAUDE, CODEX]);
    renderApp(host, '#/');
    const start = await panel();
    const folder = within(start).getByLabelText('The folder it works in') as HTMLInputElement;
    // Nothing is filled in for a user who never chose a folder: the suggestions are one click away.
    expect(folder.value).toBe('');
    const add = within(start).getByRole('button', { name: 'Add Claude Code agent' }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    fireEvent.click(within(start).getByRole('button', { name: '/home/dev/src/shop' }));
    expect(folder.value).toBe('/home/dev/src/shop');
    await waitFor(() => expect(add.disabled).toBe(false));
    fireEvent.click(add);
    await waitFor(() => expect(window.location.hash).toBe('#/issues/VIG-1'));
    expect(host.calls('agents.create')).toEqual([{ name: 'claude', adapterType: 'claude_local', cwd: '/home/dev/src/shop' }]);
    expect(host.calls('issues.create')).toEqual([{ ...SAMPLE_ISSUE, assignee: 'claude' }]);
    expect(JSON.parse(localStorage.getItem('vigil.recentFolders') ?? '[]')).toEqual(['/home/dev/src/shop']);
  });

  it('names what is wrong with a typed folder and offers nothing until it is fixed', async () => {
    const host = hostWith([CLAUDE]);
    renderApp(host, '#/');
    const start = await panel();
    const folder = within(start).getByLabelText('The folder it works in');
    fireEvent.change(folder, { target: { value: '/home/dev/nowhere' } });
    expect(await within(start).findByText('there is no such folder')).toBeTruthy();
    expect(folder.getAttribute('aria-invalid')).toBe('true');
    const add = within(start).getByRole('button', { name: 'Add Claude Code agent' }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    fireEvent.change(folder, { target: { value: 'src/app' } });
    expect(await within(start).findByText(/give the full path/)).toBeTruthy();
    // A suggested folder is one click away.
    fireEvent.click(within(start).getByRole('button', { name: '/home/dev' }));
    await waitFor(() => expect(add.disabled).toBe(false));
    fireEvent.click(within(start).getByRole('checkbox'));
    fireEvent.click(add);
    await waitFor(() => expect(window.location.hash).toBe('#/agents/claude'));
    expect(host.calls('agents.create')).toEqual([{ name: 'claude', adapterType: 'claude_local', cwd: '/home/dev' }]);
    expect(host.calls('issues.create')).toEqual([]);
  });

  it('fills in the folder chosen last time in this browser', async () => {
    localStorage.setItem('vigil.recentFolders', JSON.stringify(['/home/dev/src/app']));
    renderApp(hostWith([CLAUDE]), '#/');
    const start = await panel();
    expect((within(start).getByLabelText('The folder it works in') as HTMLInputElement).value).toBe('/home/dev/src/app');
    expect(await within(start).findByText('/home/dev/src/app: a git repository.')).toBeTruthy();
    // The other folders worth offering come after it.
    expect(within(start).getAllByRole('button', { name: /^\/home\/dev/ }).map((b) => b.textContent)).toEqual(['/home/dev/src/shop', '/home/dev']);
  });

  it('in the desktop app, the folder comes from the native dialog', async () => {
    const host = hostWith([CLAUDE], 'native');
    host.pickedFolder = '/home/dev/src/app';
    renderApp(host, '#/');
    const start = await panel();
    fireEvent.click(within(start).getByRole('button', { name: 'Choose folder…' }));
    await waitFor(() => expect((within(start).getByLabelText('The folder it works in') as HTMLInputElement).value).toBe('/home/dev/src/app'));
    expect(host.calls('setup.pickFolder')).toEqual([{ title: 'Choose the folder the agent works in' }]);
  });

  it('without any CLI, says so and where else to go', async () => {
    renderApp(hostWith([CODEX_MISSING]), '#/');
    const start = await panel();
    expect(await within(start).findByText(/No agent CLI found on this machine's PATH/)).toBeTruthy();
    expect(within(start).getByRole('button', { name: 'look again' })).toBeTruthy();
  });

  it('is gone once there is an agent', async () => {
    const host = hostWith([CLAUDE]);
    host.addAgent({ name: 'builder' });
    renderApp(host, '#/');
    expect(await screen.findByRole('link', { name: 'builder' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Get started' })).toBeNull();
  });
});

describe('agent form default adapter', () => {
  it('is the first CLI found on the host', async () => {
    renderApp(hostWith([CODEX_MISSING, CLAUDE]), '#/agents');
    fireEvent.click(await screen.findByRole('button', { name: 'Add agent' }));
    const form = screen.getByRole('form', { name: 'New agent' });
    const adapter = within(form).getByLabelText('Adapter') as HTMLSelectElement;
    await waitFor(() => expect(adapter.value).toBe('claude_local'));
    expect(within(form).getByText('Found on this machine: 2.1.197 (Claude Code).').getAttribute('title')).toBe('/usr/local/bin/claude');
    // A choice the user makes sticks.
    fireEvent.change(adapter, { target: { value: 'process' } });
    expect(adapter.value).toBe('process');
  });

  it('is process when no CLI is found', async () => {
    renderApp(hostWith([CODEX_MISSING]), '#/agents');
    fireEvent.click(await screen.findByRole('button', { name: 'Add agent' }));
    const adapter = within(screen.getByRole('form', { name: 'New agent' })).getByLabelText('Adapter') as HTMLSelectElement;
    await new Promise((r) => setTimeout(r, 100));
    expect(adapter.value).toBe('process');
  });
});

describe('agent form working folder', () => {
  it('in the desktop app, has a native folder dialog behind "Choose folder…"', async () => {
    const host = hostWith([CLAUDE], 'native');
    host.pickedFolder = '/home/dev/src/app';
    renderApp(host, '#/agents');
    fireEvent.click(await screen.findByRole('button', { name: 'Add agent' }));
    const form = screen.getByRole('form', { name: 'New agent' });
    fireEvent.click(await within(form).findByRole('button', { name: 'Choose folder…' }));
    await waitFor(() => expect((within(form).getByLabelText('Working folder') as HTMLInputElement).value).toBe('/home/dev/src/app'));
  });

  it('in a browser, is a typed path only', async () => {
    renderApp(hostWith([CLAUDE]), '#/agents');
    fireEvent.click(await screen.findByRole('button', { name: 'Add agent' }));
    const form = screen.getByRole('form', { name: 'New agent' });
    await waitFor(() => expect((within(form).getByLabelText('Adapter') as HTMLSelectElement).value).toBe('claude_local'));
    expect(within(form).queryByRole('button', { name: 'Choose folder…' })).toBeNull();
  });
});
