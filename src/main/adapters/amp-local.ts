// Amp, execute mode: `amp --execute=PROMPT --stream-json` prints "Claude Code-compatible stream
// JSON" (its --help's words); a thread is continued with `amp threads continue <id> --execute=...`.
// Checked against `amp --help` and `amp threads continue --help` of @ampcode/cli 0.0.1790142911
// (the native binary of the newest version, 0.0.1790712063, was not on the registry here).
import { ClaudeStream } from './claude-local';
import { jsonLinesParser } from './json-lines';
import { cliCommand, cliInfo, promptFlag } from './cli-command';
import type { Adapter } from './types';

export const ampLocalAdapter: Adapter = {
  type: 'amp_local',
  info: cliInfo({ label: 'Amp', command: 'amp', install: 'npm install -g @ampcode/cli', login: 'run `amp login` once in a terminal' }),
  buildCommand(ctx) {
    // A thread is continued by a subcommand, before every option.
    const args = [...(ctx.resumeSessionId ? ['threads', 'continue', ctx.resumeSessionId] : []), '--stream-json'];
    return cliCommand(ctx, { command: 'amp', args, modelFlag: '--mode', prompt: promptFlag('--execute') });
  },
  createParser: () => jsonLinesParser(new ClaudeStream(AMP_FAILURES, { plainLines: true })),
};

/**
 * Without an API key Amp writes "No API key found. Starting login flow..." and waits for a code
 * pasted at "When prompted, paste your code here: " (both read in the binary of 0.0.1790142911, and
 * seen from the real CLI): nobody can paste it into a headless run, so Vigil stops it and the run
 * fails naming the login. How Amp refuses a thread it does not know could not be recorded (it needs
 * a login first): such a run fails with its exit code, and the session is kept.
 */
const AMP_FAILURES = { login: /No API key found\. Starting login flow|paste your code here/i, loginWaits: true };
