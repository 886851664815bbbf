// Qwen Code (Gemini CLI's fork), headless: `qwen --output-format stream-json --prompt=...` prints
// Claude Code's stream-json documents (system/init, assistant, user, result with `error.message`).
// Checked against `qwen --help` and buildSystemMessage / BaseJsonOutputAdapter in the cli.js of
// @qwen-code/qwen-code 0.15.10; the unknown-session and no-login lines are the real CLI's output.
import { ClaudeStream } from './claude-local';
import { jsonLinesParser } from './json-lines';
import { buildPrompt } from './prompt';
import type { Adapter } from './types';

/** Headless Qwen refuses tool calls that need approval: auto-edit lets it change files in its folder. */
export const QWEN_DEFAULT_APPROVAL = 'auto-edit';

export const qwenLocalAdapter: Adapter = {
  type: 'qwen_local',
  info: {
    label: 'Qwen Code',
    command: 'qwen',
    transport: 'pty',
    install: 'npm install -g @qwen-code/qwen-code',
    login: 'run `qwen auth` once in a terminal (or give the agent --auth-type and its API key env)',
    versionArgs: ['--version'],
    capabilities: { transcript: true, resume: true, tokens: true, cost: false, permissionRequests: false, liveInput: false },
  },
  buildCommand(ctx) {
    const args = ['--output-format', 'stream-json'];
    if (!ctx.agent.args.some((a) => a === '-y' || a === '--yolo' || a.startsWith('--approval-mode'))) args.push('--approval-mode', QWEN_DEFAULT_APPROVAL);
    if (ctx.resumeSessionId) args.push('--resume', ctx.resumeSessionId);
    if (ctx.agent.model) args.push('--model', ctx.agent.model);
    const prompt = buildPrompt(ctx);
    // --prompt, not the positional prompt: in a terminal (Vigil's pty) a positional prompt opens
    // the interactive UI (seen with 0.15.10). One argument: a prompt starting with "-" is no flag.
    args.push(...ctx.agent.args, `--prompt=${prompt}`);
    return { file: ctx.agent.command || 'qwen', args, cwd: ctx.agent.cwd ?? ctx.defaultCwd, env: ctx.env, prompt };
  },
  createParser: () => jsonLinesParser(new ClaudeStream(QWEN_FAILURES, { plainLines: true })),
};

const QWEN_FAILURES = {
  /** Printed as plain text before any JSON (0.15.10): "No saved session found with ID <id>. ..." */
  unknownSession: /No saved session found with ID/i,
  /** Its result's error without a login (0.15.10): "No auth type is selected. Please configure ..." */
  login: /No auth type is selected/i,
};
