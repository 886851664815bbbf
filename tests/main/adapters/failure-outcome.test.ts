// What a native CLI said when it failed becomes the run's error, through the engine and a real
// pty: its stand-in (tests/fixtures/adapters/bin) prints the real CLI's recorded output. A CLI that
// waits for a login nobody can give a headless run (Amp) is stopped at once: the run fails, named,
// with no process left, instead of waiting for its timeout. tests/main/adapters/real-cli.test.ts
// checks the same against the real CLIs when they are installed.
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterType } from '../../../src/shared/domain';
import { groupAlive, startTestHost, waitFor, type TestHost } from '../../helpers/host';

const FAKE_BIN = resolve(__dirname, '../../fixtures/adapters/bin');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

interface Case {
  type: AdapterType;
  prefix: string;
  fixture: string;
  exit: string;
  /** The run's error must say this (the CLI's words, or Vigil's naming the login). */
  error: RegExp[];
  /** Stays alive after printing (as the real CLI waiting for a pasted code). */
  holds?: boolean;
}

const CASES: Case[] = [
  { type: 'gemini_local', prefix: 'GEMINI', fixture: 'gemini_local/not-logged-in.txt', exit: '41', error: [/Gemini CLI is not logged in/, /Please set an Auth method/, /exited with code 41/] },
  { type: 'qwen_local', prefix: 'QWEN', fixture: 'qwen_local/not-logged-in.jsonl', exit: '1', error: [/Qwen Code is not logged in/, /No auth type is selected/, /`qwen auth`/] },
  { type: 'copilot_local', prefix: 'COPILOT', fixture: 'copilot_local/not-logged-in.txt', exit: '1', error: [/GitHub Copilot CLI is not logged in/, /No authentication information found/] },
  { type: 'claude_local', prefix: 'CLAUDE', fixture: 'claude-not-logged-in.jsonl', exit: '1', error: [/Claude Code is not logged in/, /Not logged in · Please run \/login/] },
  { type: 'opencode_local', prefix: 'OPENCODE', fixture: 'opencode_local/api-error.jsonl', exit: '1', error: [/^Cannot connect to API: Unable to connect/, /opencode\.ai\/zen/, /exited with code 1/] },
  { type: 'droid_local', prefix: 'DROID', fixture: 'droid_local/not-logged-in.jsonl', exit: '1', error: [/^Factory Droid is not logged in: run `droid`/, /Authentication failed/, /exited with code 1/] },
  { type: 'amp_local', prefix: 'AMP', fixture: 'amp_local/not-logged-in.txt', exit: '0', holds: true, error: [/^Amp is not logged in: run `amp login`/, /No API key found/, /waited for .*; Vigil stopped it/] },
];

describe('a native CLI that fails says why in the run’s error', () => {
  let t: TestHost | null = null;
  afterEach(async () => {
    await t?.stop();
    t?.target.cleanup();
    t = null;
  });

  it.each(CASES)('$type', async (c) => {
    t = await startTestHost('pglite');
    await t.call('agents.create', {
      name: 'standin',
      adapterType: c.type,
      // A generous timeout: a run that waited for it would show as timed_out, not failed.
      timeoutSec: 600,
      env: {
        PATH: `${FAKE_BIN}:${process.env.PATH}`,
        [`FAKE_${c.prefix}_FIXTURE`]: c.fixture,
        [`FAKE_${c.prefix}_EXIT`]: c.exit,
        ...(c.holds ? { [`FAKE_${c.prefix}_HOLD_MS`]: '600000' } : {}),
      },
    });
    const woke = await t.call('agents.wake', { agent: 'standin' });
    const run = await waitFor(async () => {
      const r = await t!.call('runs.get', { run: woke.runId! });
      return TERMINAL.includes(r.status) ? r : null;
    }, 120_000, `the ${c.type} run to end`);
    expect(run.status).toBe('failed');
    expect(run.errorCode).toBe('adapter_failed');
    for (const words of c.error) expect(run.error ?? '').toMatch(words);
    expect(run.processGroupId).toBeGreaterThan(0);
    await waitFor(() => !groupAlive(run.processGroupId!), 10_000, 'the run’s process group to be gone');
  }, 150_000);
});
