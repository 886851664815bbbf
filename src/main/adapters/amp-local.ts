// Amp, execute mode: `amp --execute=PROMPT --stream-json` prints "Claude Code-compatible stream
// JSON" (its --help's words); a thread is continued with `amp threads continue <id> --execute=...`.
// Checked against `amp --help` and `amp threads continue --help` of @ampcode/cli 0.0.1790142911
// (the native binary of the newest version, 0.0.1790712063, was not on the registry here).
import { ClaudeStream } from './claude-local';
import { jsonLinesParser } from './json-lines';
import { PlainFailures } from './plain-failures';
import { buildPrompt } from './prompt';
import type { Adapter, AdapterEvent, AdapterResult } from './types';

export const ampLocalAdapter: Adapter = {
  type: 'amp_local',
  info: {
    label: 'Amp',
    command: 'amp',
    transport: 'pty',
    install: 'npm install -g @ampcode/cli',
    login: 'run `amp login` once in a terminal',
    versionArgs: ['--version'],
    capabilities: { transcript: true, resume: true, tokens: true, cost: false, permissionRequests: false, liveInput: false },
  },
  buildCommand(ctx) {
    const args = ctx.resumeSessionId ? ['threads', 'continue', ctx.resumeSessionId] : [];
    const prompt = buildPrompt(ctx);
    args.push('--stream-json');
    if (ctx.agent.model) args.push('--mode', ctx.agent.model);
    // One argument: a prompt starting with "-" is not read as a flag.
    args.push(...ctx.agent.args, `--execute=${prompt}`);
    return { file: ctx.agent.command || 'amp', args, cwd: ctx.agent.cwd ?? ctx.defaultCwd, env: ctx.env, prompt };
  },
  createParser: () => jsonLinesParser(new AmpStream()),
};

/**
 * Without an API key Amp starts a browser login and waits for a pasted code (the real CLI's output):
 * nobody can paste it in a headless run, so it is reported as a login the person must do.
 */
const LOGIN_RE = /No API key found\. Starting login flow|paste your code here/i;

class AmpStream extends ClaudeStream {
  private readonly plain = new PlainFailures({ login: LOGIN_RE });
  private askedLogin = false;

  plainLine(text: string, events: AdapterEvent[]): void {
    // How Amp refuses a thread it does not know could not be recorded (it needs a login first):
    // such a run fails and the session is kept.
    if (!this.plain.read(text, events)) return;
    if (!this.askedLogin) {
      this.askedLogin = true;
      events.push({ type: 'input_request', message: 'Amp waits for a login: run `amp login` in a terminal', payload: { question: 'Amp waits for a login: run `amp login` in a terminal, then retry the run.' } });
    }
  }

  override result(): AdapterResult {
    const result = super.result();
    return { ...result, summary: result.summary ?? this.plain.failure };
  }
}
