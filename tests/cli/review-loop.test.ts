// The review loop's CLI verbs against a scripted client: what each sends to the host and says back,
// and the usage errors in words (issue 23).
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args';
import type { Client } from '../../src/cli/client';
import { AnsweredFailure, UsageError, type Context } from '../../src/cli/command';
import { COMMANDS } from '../../src/cli/main';
import { createOutput } from '../../src/cli/output';

function harness(answers: Record<string, unknown>) {
  const calls: [string, unknown][] = [];
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  const client = { call: async (method: string, params: unknown) => (calls.push([method, params]), answers[method]) } as unknown as Client;
  const ctx: Context = { dataDir: '/tmp/none', out: createOutput(false, stream), client: async () => client, install: { cliPath: '', rendererDir: '', version: '0', ptyHostScript: '', dbTemplate: '' } };
  const run = async (line: string[]) => {
    const parsed = parseCommandLine(line, COMMANDS);
    if (parsed.kind !== 'run') throw new Error('expected a command');
    await parsed.command.run(ctx, parsed.input);
  };
  return { calls, run, text: () => text };
}

describe('vigil issue comment --file --line, request-changes', () => {
  it('a line comment goes to issues.lineComment with path, line and text', async () => {
    const h = harness({ 'issues.lineComment': { path: 'src/cart.ts', line: 42 } });
    await h.run(['issue', 'comment', 'VIG-3', '--file', 'src/cart.ts', '--line', '42', 'use roundCents']);
    expect(h.calls).toEqual([['issues.lineComment', { issue: 'VIG-3', path: 'src/cart.ts', line: 42, body: 'use roundCents' }]]);
    expect(h.text()).toContain('Commented on src/cart.ts:42 of VIG-3 (pending: vigil issue request-changes VIG-3 sends it)');
  });

  it('--file without --line, or a line that is not a number, is a usage error in words', async () => {
    const h = harness({});
    await expect(h.run(['issue', 'comment', 'VIG-3', '--file', 'a.ts', 'x'])).rejects.toThrow(new UsageError('a line comment needs both --file PATH and --line N'));
    await expect(h.run(['issue', 'comment', 'VIG-3', '--file', 'a.ts', '--line', 'forty', 'x'])).rejects.toThrow(/--line must be a line number \(1 or more\), got 'forty'/);
    expect(h.calls).toEqual([]);
  });

  it('request-changes sends the text (optional) and prints what happened', async () => {
    const h = harness({ 'issues.requestChanges': { sent: 3, commentId: 'c', woke: true, message: 'Sent 3 line comment(s) to VIG-3 as one comment; its agent was woken to work on them.' } });
    await h.run(['issue', 'request-changes', 'VIG-3']);
    await h.run(['issue', 'request-changes', 'VIG-3', 'and', 'keep', 'it', 'short']);
    expect(h.calls).toEqual([
      ['issues.requestChanges', { issue: 'VIG-3', body: undefined }],
      ['issues.requestChanges', { issue: 'VIG-3', body: 'and keep it short' }],
    ]);
    expect(h.text()).toContain('Sent 3 line comment(s) to VIG-3');
  });
});

describe('vigil issue merge strategies, pr, restore', () => {
  it('--squash, --rebase, --merge, --ff-only choose the strategy; two at once is refused', async () => {
    const h = harness({ 'issues.merge': { merged: true, message: 'squashed' } });
    await h.run(['issue', 'merge', 'VIG-3', '--squash']);
    await h.run(['issue', 'merge', 'VIG-3', '--ff-only']);
    await h.run(['issue', 'merge', 'VIG-3']);
    expect(h.calls.map((c) => (c[1] as { strategy?: string }).strategy)).toEqual(['squash', 'fast_forward', undefined]);
    await expect(h.run(['issue', 'merge', 'VIG-3', '--squash', '--rebase'])).rejects.toThrow(/choose one of --squash, --rebase/);
  });

  it('pr: a pull request opened is printed; pushed without one is an answered failure', async () => {
    const opened = harness({ 'issues.pr': { pushed: true, pr: { url: 'https://x/pull/7' }, message: 'Pushed; pull request https://x/pull/7 (OPEN).' } });
    await opened.run(['issue', 'pr', 'VIG-3']);
    expect(opened.text()).toContain('pull request https://x/pull/7');
    const noGh = harness({ 'issues.pr': { pushed: true, pr: null, message: 'Pushed, but no pull request was opened: the GitHub CLI (gh) is not installed.' } });
    await expect(noGh.run(['issue', 'pr', 'VIG-3'])).rejects.toBeInstanceOf(AnsweredFailure);
    const pushOnly = harness({ 'issues.pr': { pushed: true, pr: null, message: 'Pushed vigil/VIG-3 to origin.' } });
    await pushOnly.run(['issue', 'pr', 'VIG-3', '--push-only']);
    expect(pushOnly.calls).toEqual([['issues.pr', { issue: 'VIG-3', pushOnly: true }]]);
  });

  it('agent --merge, --check, --fix-failed-checks, --setup reach the agent fields', async () => {
    const parsed = parseCommandLine(['agent', 'add', 'a', '--adapter', 'process', '--command', 'x', '--merge', 'fast-forward', '--check', 'npm test', '--fix-failed-checks', '1', '--setup', 'npm ci'], COMMANDS);
    expect(parsed.kind).toBe('run');
    const bad = () => parseCommandLine(['agent', 'add', 'a', '--adapter', 'process', '--merge', 'octopus'], COMMANDS);
    expect(bad).not.toThrow(); // parsing accepts any value; the command refuses it in words:
    const h = harness({ 'agents.create': { name: 'a' } });
    await expect(h.run(['agent', 'add', 'a', '--adapter', 'process', '--command', 'x', '--merge', 'octopus'])).rejects.toThrow(/--merge must be one of auto, fast-forward, merge, squash, rebase, got 'octopus'/);
    await h.run(['agent', 'add', 'a', '--adapter', 'process', '--command', 'x', '--merge', 'fast-forward', '--check', 'npm test', '--fix-failed-checks', '1', '--setup', 'npm ci']).catch(() => undefined);
    expect(h.calls[0]?.[1]).toMatchObject({ mergeStrategy: 'fast_forward', check: 'npm test', fixFailedChecks: 1, setup: 'npm ci' });
  });
});
