// Qwen Code (Gemini CLI's fork), headless: `qwen --output-format stream-json --prompt=...` prints
// Claude Code's stream-json documents (system/init, assistant, user, result with `error.message`).
// Checked against `qwen --help` and buildSystemMessage / BaseJsonOutputAdapter in the cli.js of
// @qwen-code/qwen-code 0.15.10; the unknown-session and no-login lines are the real CLI's output.
import { ClaudeStream } from './claude-local';
import { choosesApproval } from './gemini-local';
import { jsonLinesParser } from './json-lines';
import { cliCommand, cliInfo, promptFlag } from './cli-command';
import type { Adapter } from './types';

export const qwenLocalAdapter: Adapter = {
  type: 'qwen_local',
  info: cliInfo({
    label: 'Qwen Code',
    command: 'qwen',
    install: 'npm install -g @qwen-code/qwen-code',
    login: 'run `qwen auth` once in a terminal (or give the agent --auth-type and its API key env)',
  }),
  buildCommand(ctx) {
    const args = ['--output-format', 'stream-json'];
    if (!choosesApproval(ctx.agent.args)) args.push('--approval-mode', QWEN_DEFAULT_APPROVAL);
    // --prompt, not the positional prompt: in a terminal (Vigil's pty) a positional prompt opens
    // the interactive UI (seen with 0.15.10).
    return cliCommand(ctx, { command: 'qwen', args, resume: (id) => ['--resume', id], prompt: promptFlag('--prompt') });
  },
  createParser: () => jsonLinesParser(new ClaudeStream(QWEN_FAILURES, { plainLines: true })),
};

/** Headless Qwen refuses tool calls that need approval: auto-edit lets it change files in its folder. */
const QWEN_DEFAULT_APPROVAL = 'auto-edit';

const QWEN_FAILURES = {
  /** Printed as plain text before any JSON (0.15.10): "No saved session found with ID <id>. ..." */
  unknownSession: /No saved session found with ID/i,
  /** Its result's error without a login (0.15.10): "No auth type is selected. Please configure ..." */
  login: /No auth type is selected/i,
};
