// GitHub Copilot CLI, prompt mode: `copilot --output-format json --allow-all-tools --prompt=...`
// prints JSON Lines, one session event each ({type, data, id, timestamp, parentId}):
// session.start, assistant.message, assistant.reasoning, tool.execution_start / _complete,
// assistant.usage, session.error. Checked against `copilot --help` of @github/copilot 1.0.102
// (its JS is compiled into a native binary) and the event types of @github/copilot-sdk 1.0.14
// (dist/generated/session-events.d.ts); the no-login and unknown-session lines are the real CLI's.
import type { UsageRecord } from '../db/schema';
import { jsonLinesParser, type JsonObject } from './json-lines';
import { NativeStream } from './native-stream';
import { Failures } from './failures';
import { cliCommand, cliInfo, promptFlag } from './cli-command';
import { asNumber, asObject, asString, clipText, clipToolInput, oneLine } from './text';
import type { Adapter, AdapterEvent } from './types';

export const copilotLocalAdapter: Adapter = {
  type: 'copilot_local',
  info: cliInfo({
    label: 'GitHub Copilot CLI',
    command: 'copilot',
    install: 'npm install -g @github/copilot',
    login: 'run `copilot` once in a terminal and /login (or set COPILOT_GITHUB_TOKEN in the agent\'s env)',
  }),
  buildCommand(ctx) {
    // --allow-all-tools: "required for non-interactive mode" (copilot --help, 1.0.102).
    const args = ['--output-format', 'json', '--allow-all-tools'];
    return cliCommand(ctx, { command: 'copilot', args, resume: (id) => [`--resume=${id}`], prompt: promptFlag('--prompt') });
  },
  createParser: () => jsonLinesParser(new CopilotStream()),
};

const LOGIN_RE = /No authentication information found/i;
const UNKNOWN_SESSION_RE = /No session, task, or name matched/i;

class CopilotStream extends NativeStream {
  private tokens: { input: number; cached: number; output: number } | null = null;

  constructor() {
    super(new Failures({ login: LOGIN_RE, unknownSession: UNKNOWN_SESSION_RE }));
  }

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    const data = asObject(doc.data) ?? {};
    switch (doc.type) {
      case 'session.start':
      case 'session.resume':
        return this.started(asString(data.sessionId), asString(data.selectedModel), events, { version: asString(data.copilotVersion) });
      case 'assistant.message': {
        const text = asString(data.content) ?? '';
        if (!text.trim()) return;
        this.lastText = text;
        events.push({ type: 'assistant', message: oneLine(text), payload: { ...clipText(text), parentToolUseId: asString(data.parentToolCallId) } });
        return;
      }
      case 'assistant.reasoning': {
        const text = asString(data.content) ?? '';
        if (text.trim()) events.push({ type: 'thinking', message: oneLine(text), payload: clipText(text) });
        return;
      }
      case 'tool.execution_start': {
        const name = asString(data.toolName) ?? 'tool';
        const input = asObject(data.arguments);
        const what = asString(input?.command) ?? asString(input?.path) ?? asString(input?.description);
        events.push({
          type: 'tool_use',
          message: oneLine(what ? `${name}: ${what}` : name),
          payload: { id: asString(data.toolCallId), name, input: clipToolInput(data.arguments ?? null), parentToolUseId: asString(data.parentToolCallId) },
        });
        return;
      }
      case 'tool.execution_complete': {
        const isError = data.success !== true;
        const text = (isError ? asString(asObject(data.error)?.message) : null) ?? asString(asObject(data.result)?.content) ?? '';
        return this.toolResult(asString(data.toolCallId), isError, text, events);
      }
      case 'assistant.usage': {
        const t = this.tokens ?? { input: 0, cached: 0, output: 0 };
        t.input += asNumber(data.inputTokens) ?? 0;
        t.cached += asNumber(data.cacheReadTokens) ?? 0;
        t.output += asNumber(data.outputTokens) ?? 0;
        this.tokens = t;
        this.model = asString(data.model) ?? this.model;
        return;
      }
      case 'session.error':
        return this.error(asString(data.message) ?? 'Error', events, { errorType: asString(data.errorType) });
    }
  }

  end(events: AdapterEvent[]): void {
    if (this.tokens || this.failures.streamError) events.push(this.endEvent('Finished', { usage: this.usage() }));
  }

  /** Copilot's inputTokens: read here as all the input the model saw, cacheReadTokens its cached part (as Codex). */
  protected usage(): UsageRecord | null {
    if (!this.tokens) return null;
    return { inputTokens: this.tokens.input, cachedInputTokens: this.tokens.cached, outputTokens: this.tokens.output, ...(this.model ? { model: this.model } : {}) };
  }
}
