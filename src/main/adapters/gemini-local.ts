// Gemini CLI, headless: `gemini --output-format stream-json --prompt=...` prints one event per
// line (init, message, tool_use, tool_result, error, result). Checked against `gemini --help` and
// the StreamJsonFormatter / nonInteractiveCli source bundled in @google/gemini-cli 0.61.0.
import type { UsageRecord } from '../db/schema';
import { jsonLinesParser, type JsonObject } from './json-lines';
import { NativeStream } from './native-stream';
import { Failures } from './failures';
import { cliCommand, cliInfo, promptFlag } from './cli-command';
import { EVENT_TEXT_CHARS, asNumber, asObject, asString, clipChars, clipText, clipToolInput, oneLine } from './text';
import type { Adapter, AdapterEvent } from './types';

export const geminiLocalAdapter: Adapter = {
  type: 'gemini_local',
  info: cliInfo({
    label: 'Gemini CLI',
    command: 'gemini',
    install: 'npm install -g @google/gemini-cli',
    login: 'run `gemini` once in a terminal and choose a login (or set GEMINI_API_KEY in the agent\'s env)',
  }),
  buildCommand(ctx) {
    // --skip-trust: the person pointed the agent at this folder; an untrusted folder would ask.
    const args = ['--output-format', 'stream-json', '--skip-trust'];
    if (!choosesApproval(ctx.agent.args)) args.push('--approval-mode', GEMINI_DEFAULT_APPROVAL);
    return cliCommand(ctx, { command: 'gemini', args, resume: (id) => ['--resume', id], prompt: promptFlag('--prompt') });
  },
  createParser: () => jsonLinesParser(new GeminiStream()),
};

/**
 * Headless Gemini refuses every tool call that needs an approval. auto_edit lets it change files
 * in its folder; shell commands stay refused unless the agent's args choose another mode.
 */
const GEMINI_DEFAULT_APPROVAL = 'auto_edit';

/** The agent's args choose an approval mode (Qwen Code, Gemini's fork, takes the same flags). */
export function choosesApproval(args: string[]): boolean {
  return args.some((arg) => arg === '-y' || arg === '--yolo' || arg === '--approval-mode' || arg.startsWith('--approval-mode='));
}

/** What `gemini --resume <id>` prints for a session it does not have (resolveSessionId, 0.61.0). */
const UNKNOWN_SESSION_RE = /Error resuming session: (?:Invalid session identifier|No previous sessions found)/i;
/** What it prints with no credentials (validateNonInteractiveAuth, 0.61.0). */
const LOGIN_RE = /Please set an Auth method|specify one of the following environment variables/i;

export class GeminiStream extends NativeStream {
  /** The assistant's text so far in this message (the CLI streams it in deltas). */
  private pendingText = '';
  private stats: UsageRecord | null = null;

  constructor() {
    super(new Failures({ login: LOGIN_RE, unknownSession: UNKNOWN_SESSION_RE }));
  }

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    if (doc.type === 'message' && doc.role === 'assistant') {
      this.pendingText += asString(doc.content) ?? '';
      return;
    }
    this.flushText(events);
    switch (doc.type) {
      case 'init':
        return this.started(asString(doc.session_id), asString(doc.model), events);
      case 'tool_use': {
        const name = asString(doc.tool_name) ?? 'tool';
        const input = asObject(doc.parameters);
        events.push({
          type: 'tool_use',
          message: describeTool(name, input),
          payload: { id: asString(doc.tool_id), name, input: clipToolInput(doc.parameters ?? null) },
        });
        // Its ask_user tool: headless, nobody answers it, so the person is told it asked.
        if (name === 'ask_user') {
          const question = asString(input?.question) ?? 'The agent asks you a question.';
          events.push({ type: 'input_request', message: oneLine(question), payload: { question: clipChars(question, EVENT_TEXT_CHARS), toolUseId: asString(doc.tool_id) } });
        }
        return;
      }
      case 'tool_result': {
        const isError = doc.status === 'error';
        const text = (isError ? asString(asObject(doc.error)?.message) : null) ?? asString(doc.output) ?? '';
        return this.toolResult(asString(doc.tool_id), isError, text, events);
      }
      case 'error':
        // A warning is shown; only an error is the run's failure.
        return this.error(asString(doc.message) ?? 'Error', events, { severity: asString(doc.severity) }, doc.severity === 'error');
      case 'result':
        return this.onResult(doc, events);
    }
  }

  end(events: AdapterEvent[]): void {
    this.flushText(events);
  }

  protected usage(): UsageRecord | null {
    return this.stats;
  }

  private flushText(events: AdapterEvent[]): void {
    const text = this.pendingText;
    this.pendingText = '';
    if (!text.trim()) return;
    this.lastText = text;
    events.push({ type: 'assistant', message: oneLine(text), payload: clipText(text) });
  }

  private onResult(doc: JsonObject, events: AdapterEvent[]): void {
    const stats = asObject(doc.stats);
    const isError = doc.status !== 'success';
    const error = asString(asObject(doc.error)?.message);
    if (error) this.failures.report(error);
    if (stats) {
      const models = Object.keys(asObject(stats.models) ?? {});
      this.stats = {
        inputTokens: asNumber(stats.input_tokens) ?? 0,
        cachedInputTokens: asNumber(stats.cached) ?? 0,
        outputTokens: asNumber(stats.output_tokens) ?? 0,
        ...((models[0] ?? this.model) ? { model: models[0] ?? this.model! } : {}),
      };
    }
    const toolCalls = asNumber(stats?.tool_calls);
    events.push({
      type: 'result',
      message: isError ? oneLine(`Failed: ${error ?? 'no details'}`) : `Finished${toolCalls === null ? '' : `: ${toolCalls} tool call${toolCalls === 1 ? '' : 's'}`}`,
      payload: { isError, durationMs: asNumber(stats?.duration_ms), usage: this.stats, errors: error ? [clipChars(error, EVENT_TEXT_CHARS)] : undefined },
    });
  }
}

const TOOL_INPUT_KEYS = ['command', 'file_path', 'absolute_path', 'dir_path', 'path', 'pattern', 'url', 'query', 'description'];

export function describeTool(name: string, input: JsonObject | null): string {
  const key = TOOL_INPUT_KEYS.find((k) => typeof input?.[k] === 'string' && input[k] !== '');
  return oneLine(key ? `${name}: ${String(input?.[key])}` : name);
}
