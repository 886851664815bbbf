// Factory's Droid, headless: `droid exec --output-format stream-json -- PROMPT` prints one JSON
// document per line: system/init (session_id, model), message (role user | assistant, text),
// reasoning (text), tool_call (id, toolName, parameters), tool_result (id, isError, value |
// error.message), error (source, message), completion (finalText, numTurns, durationMs, usage).
// Read in the exec command compiled into the droid binary of @factory/cli-linux-x64 0.225.2 (the
// @factory/cli 0.225.1 wrapper names a platform binary the registry does not have) and its
// `droid exec --help`; the no-login output is the real CLI's (tests/fixtures/adapters/droid_local).
import type { UsageRecord } from '../db/schema';
import { afterDashes, cliCommand, cliInfo } from './cli-command';
import { Failures } from './failures';
import { describeTool } from './gemini-local';
import { jsonLinesParser, type JsonObject } from './json-lines';
import { NativeStream } from './native-stream';
import { asNumber, asObject, asString, clipText, clipToolInput, oneLine } from './text';
import type { Adapter, AdapterEvent } from './types';

export const droidLocalAdapter: Adapter = {
  type: 'droid_local',
  info: cliInfo({
    label: 'Factory Droid',
    command: 'droid',
    install: 'npm install -g @factory/cli',
    login: 'run `droid` once in a terminal and /login (or set FACTORY_API_KEY in the agent\'s env)',
  }),
  buildCommand(ctx) {
    const args = ['exec', '--output-format', 'stream-json'];
    // Without --auto, exec is read-only ("No modifications to files", its --help): low lets it
    // edit files in the folder; the agent's args may choose more.
    if (!ctx.agent.args.some((a) => a === '--auto' || a.startsWith('--auto=') || a === '--skip-permissions-unsafe')) args.push('--auto', 'low');
    return cliCommand(ctx, { command: 'droid', args, resume: (id) => ['--session-id', id], prompt: afterDashes });
  },
  createParser: () => jsonLinesParser(new DroidStream()),
};

/** Its error without a login (0.225.2): "Error: Authentication failed. Please log in using /login or set a valid FACTORY_API_KEY ..." */
const LOGIN_RE = /Authentication failed|not authenticated/i;

class DroidStream extends NativeStream {
  private tokens: UsageRecord | null = null;

  constructor() {
    // How it refuses a session it does not have could not be recorded (it needs a login first).
    super(new Failures({ login: LOGIN_RE }));
  }

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    switch (doc.type) {
      case 'system':
        if (doc.subtype === 'init') this.started(asString(doc.session_id), asString(doc.model), events);
        return;
      case 'message':
      case 'reasoning': {
        // Its user messages repeat the prompt Vigil already recorded.
        const text = asString(doc.text) ?? '';
        if (doc.role === 'user' || !text.trim()) return;
        if (doc.type === 'message') this.lastText = text;
        events.push({ type: doc.type === 'message' ? 'assistant' : 'thinking', message: oneLine(text), payload: clipText(text) });
        return;
      }
      case 'tool_call': {
        const name = asString(doc.toolName) ?? asString(doc.toolId) ?? 'tool';
        events.push({ type: 'tool_use', message: describeTool(name, asObject(doc.parameters)), payload: { id: asString(doc.id), name, input: clipToolInput(doc.parameters ?? null) } });
        return;
      }
      case 'tool_result': {
        const isError = doc.isError === true;
        const text = (isError ? asString(asObject(doc.error)?.message) : asString(doc.value)) ?? '';
        return this.toolResult(asString(doc.id), isError, text, events);
      }
      case 'error':
        return this.error(asString(doc.message) ?? 'Error', events, { source: asString(doc.source) });
      case 'completion':
        return this.onCompletion(doc, events);
    }
  }

  end(events: AdapterEvent[]): void {
    // A run that failed before its completion (no login) still ends with a result.
    if (!this.tokens && this.failures.streamError) events.push(this.endEvent('Finished', { usage: null }));
  }

  protected usage(): UsageRecord | null {
    return this.tokens;
  }

  private onCompletion(doc: JsonObject, events: AdapterEvent[]): void {
    const finalText = asString(doc.finalText);
    if (finalText?.trim()) this.lastText = finalText;
    const usage = asObject(doc.usage) ?? {};
    const cacheRead = asNumber(usage.cache_read_input_tokens) ?? 0;
    // Anthropic's field names: fresh, cache-read and cache-written input apart; Vigil's inputTokens is their sum.
    this.tokens = {
      inputTokens: (asNumber(usage.input_tokens) ?? 0) + cacheRead + (asNumber(usage.cache_creation_input_tokens) ?? 0),
      cachedInputTokens: cacheRead,
      outputTokens: asNumber(usage.output_tokens) ?? 0,
      ...(this.model ? { model: this.model } : {}),
    };
    const turns = asNumber(doc.numTurns);
    events.push({
      type: 'result',
      message: `Finished${turns === null ? '' : `: ${turns} turn${turns === 1 ? '' : 's'}`}`,
      payload: { isError: false, numTurns: turns, durationMs: asNumber(doc.durationMs), usage: this.tokens, factoryCredits: asNumber(usage.factory_credits) },
    });
  }
}
