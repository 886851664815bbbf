// @vitest-environment jsdom
// The adapters' capabilities, as the host lists them (setup.detect), in the first-run card and the
// agent form: what Vigil can show and do for each agent CLI.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentCliDto } from '../../src/shared/contract';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

const caps = (over: Partial<AgentCliDto['capabilities']> = {}): AgentCliDto['capabilities'] => ({ transcript: true, resume: true, tokens: true, cost: false, permissionRequests: false, liveInput: false, ...over });
const GEMINI: AgentCliDto = { adapterType: 'gemini_local', command: 'gemini', label: 'Gemini CLI', install: 'npm install -g @google/gemini-cli', login: 'run `gemini` once', transport: 'pty', capabilities: caps(), path: '/usr/local/bin/gemini', version: '0.61.0', problem: null };
const OPENCODE_MISSING: AgentCliDto = { adapterType: 'opencode_local', command: 'opencode', label: 'OpenCode', install: 'npm install -g opencode-ai', login: 'run `opencode auth login` once', transport: 'pty', capabilities: caps({ cost: true }), path: null, version: null, problem: null };

function host(): FakeHost {
  const h = new FakeHost();
  h.setupInfo = { clis: [GEMINI, OPENCODE_MISSING], folderPicker: 'path', home: '/home/dev', suggestedFolders: ['/home/dev'] };
  h.folders = new Set(['/home/dev']);
  return h;
}

beforeEach(() => localStorage.clear());

describe('adapter capabilities in the UI', () => {
  it('the first-run card offers a found Gemini CLI with what Vigil does for it', async () => {
    renderApp(host(), '#/');
    const start = await screen.findByRole('region', { name: 'Get started' });
    expect(await within(start).findByRole('button', { name: 'Add Gemini CLI agent' })).toBeTruthy();
    expect(within(start).getByText('transcript · resume · tokens')).toBeTruthy();
    expect(within(start).getByText('npm install -g opencode-ai')).toBeTruthy();
  });

  it('the agent form says each adapter\'s capabilities, found or not', async () => {
    renderApp(host(), '#/agents');
    fireEvent.click(await screen.findByRole('button', { name: 'Add agent' }));
    const form = screen.getByRole('form', { name: 'New agent' });
    const adapter = within(form).getByLabelText('Adapter') as HTMLSelectElement;
    await waitFor(() => expect(adapter.value).toBe('gemini_local'));
    expect(within(form).getByText('transcript, resume, tokens')).toBeTruthy();
    fireEvent.change(adapter, { target: { value: 'opencode_local' } });
    expect(within(form).getByText('OpenCode (command defaults to opencode): transcript, resume, tokens, cost.')).toBeTruthy();
    expect([...adapter.options].map((o) => o.value)).toEqual(expect.arrayContaining(['gemini_local', 'qwen_local', 'opencode_local', 'cursor_local', 'copilot_local', 'amp_local']));
  });
});
