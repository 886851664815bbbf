// Agents whose CLI is a stand-in of tests/fixtures/adapters/bin (claude, codex, gemini...), found
// first on PATH and steered by FAKE_* variables.
import { join, resolve } from 'node:path';
import type { TestHost } from './host';

export const FAKE_BIN = resolve(__dirname, '../fixtures/adapters/bin');

/** An agent's environment with the stand-ins first on PATH, plus the stand-in's knobs (FAKE_CLAUDE_HOLD_MS...). */
export const fakeCliEnv = (knobs: Record<string, string> = {}): Record<string, string> => ({ PATH: `${FAKE_BIN}:${process.env.PATH}`, ...knobs });

/** A claude_local agent "claude" on the stand-in, which appends each argv it is started with to the file returned (in the host's data folder). */
export async function fakeClaudeAgent(h: TestHost, knobs: Record<string, string> = {}): Promise<string> {
  const argvFile = join(h.target.dataDir, 'argv.jsonl');
  await h.call('agents.create', { name: 'claude', adapterType: 'claude_local', env: fakeCliEnv({ FAKE_CLAUDE_ARGV_FILE: argvFile, ...knobs }) });
  return argvFile;
}
