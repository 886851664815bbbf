// Claude Code in print mode, streaming JSON: one document per line (system/init, assistant, user,
// result). Checked against `claude --help` of @anthropic-ai/claude-code 2.1.197.
import type { UsageRecord } from '../db/schema';
import { Failures, type FailurePatterns } from './failures';
import { jsonLinesParser, type JsonDocumentHandler, type JsonObject } from './json-lines';
import { afterDashes, cliCommand, cliInfo } from './cli-command';
import { claudeVigilArgs, CLAUDE_VIGIL_MCP_RULE } from '../mcp/claude-config';
import {
  EVENT_TEXT_CHARS,
  asArray,
  asNumber,
  asObject,
  asString,
  clipChars,
  clipText,
  clipToolInput,
  oneLine,
} from './text';
import type { Adapter, AdapterEvent, AdapterResult } from './types';

export const claudeLocalAdapter: Adapter = {
  type: 'claude_local',
  info: cliInfo({
    label: 'Claude Code',
    command: 'claude',
    install: 'npm install -g @anthropic-ai/claude-code',
    login: 'run `claude` once in a terminal and log in (or set ANTHROPIC_API_KEY in the agent\'s env)',
    // Permission requests: every run names Vigil's MCP tool as its --permission-prompt-tool (docs/reach.md).
    capabilities: { cost: true, permissionRequests: true },
  }),
  buildCommand(ctx) {
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--allowedTools', CLAUDE_VIGIL_TOOL_RULE, CLAUDE_VIGIL_MCP_RULE];
    // issue 21: tool calls that need approval are asked of a person through `vigil mcp`.
    args.push(...claudeVigilArgs(ctx.runId, ctx.env));
    // After `--`: a variadic option in agent.args (--add-dir a b) cannot swallow the prompt.
    return cliCommand(ctx, { command: 'claude', args, resume: (id) => ['--resume', id], prompt: afterDashes });
  },
  createParser: () => jsonLinesParser(new ClaudeStream()),
};

/**
 * The agent reports back through the `vigil` CLI the prompt tells it to use, never asked about it;
 * other tool calls that need approval go to a person through `vigil mcp` (claudeVigilArgs).
 */
export const CLAUDE_VIGIL_TOOL_RULE = 'Bash(vigil *)';

const CLAUDE_FAILURES: FailurePatterns = {
  /** What Claude Code prints when --resume names a session it does not have (checked on 2.1.197). */
  unknownSession: /No conversation found with session ID/i,
  /** Its result without a login: "Not logged in · Please run /login" (recorded, 2.1.197). */
  login: /Not logged in/i,
};
const SUMMARY_CHARS = 4000;

/** Tools for asking the user a question (Claude Code's, Qwen Code's); in print mode nobody can answer them. */
const ASK_USER_TOOLS = new Set(['AskUserQuestion', 'ask_user_question']);

// Preferred input fields for a one-line description of a tool call, in order.
const TOOL_INPUT_KEYS = ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt'];

/**
 * Reads Claude Code's stream-json. Other CLIs print the same documents (Qwen Code, Amp, Cursor):
 * their adapters extend it with their own failure words (`patterns`) and documents (`onOther`).
 */
export class ClaudeStream implements JsonDocumentHandler {
  private readonly failures: Failures;
  /** Set for a CLI that prints some failures as plain text (Qwen's unknown session, Amp's login); Claude Code says them in its result. */
  readonly plainLine?: (text: string, events: AdapterEvent[]) => void;

  /** `patterns`: the words the CLI uses for a missing login and a session it does not know. */
  constructor(patterns: FailurePatterns = CLAUDE_FAILURES, opts: { plainLines?: boolean } = {}) {
    this.failures = new Failures(patterns);
    if (opts.plainLines) this.plainLine = (text, events) => void this.failures.read(text, events);
  }

  protected sessionId: string | null = null;
  private model: string | null = null;
  private finalUsage: UsageRecord | null = null;
  /** Usage per API message, for a run cut short before its result line. Claude Code repeats a
   *  message's usage on each of its content-block lines, so it is kept per message id. */
  private readonly messageUsage = new Map<string, JsonObject>();
  private lastAssistantText: string | null = null;
  private finalText: string | null = null;

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    switch (doc.type) {
      case 'system':
        return this.onSystem(doc, events);
      case 'assistant':
        return this.onAssistant(doc, events);
      case 'user':
        return this.onUser(doc, events);
      case 'result':
        return this.onResult(doc, events);
      default:
        return this.onOther(doc, events);
    }
  }

  /** A document type Claude Code does not print; a CLI that prints more reads it here. */
  protected onOther(_doc: JsonObject, _events: AdapterEvent[]): void {}

  result(): AdapterResult {
    const summary = this.finalText?.trim() || this.lastAssistantText?.trim() || this.failures.said;
    const sessionUnknown = this.failures.sessionUnknown;
    return {
      sessionId: sessionUnknown ? null : this.sessionId,
      sessionUnknown,
      usage: this.finalUsage ?? this.usageSoFar(),
      summary: summary ? clipChars(summary, SUMMARY_CHARS) : null,
      failure: this.failures.failure,
    };
  }

  private onSystem(doc: JsonObject, events: AdapterEvent[]): void {
    const subtype = asString(doc.subtype) ?? 'unknown';
    if (subtype !== 'init') {
      events.push({ type: 'system', message: `System: ${subtype}`, payload: { subtype } });
      return;
    }
    this.sessionId = asString(doc.session_id) ?? this.sessionId;
    this.model = asString(doc.model) ?? this.model;
    events.push({
      type: 'system',
      message: `Session ${this.sessionId ?? '(none)'} started${this.model ? ` with ${this.model}` : ''}`,
      payload: {
        subtype,
        sessionId: this.sessionId,
        model: this.model,
        cwd: asString(doc.cwd),
        permissionMode: asString(doc.permissionMode),
        version: asString(doc.claude_code_version),
      },
    });
  }

  private onAssistant(doc: JsonObject, events: AdapterEvent[]): void {
    const message = asObject(doc.message);
    if (!message) return;
    const messageId = asString(message.id);
    const usage = asObject(message.usage);
    if (messageId && usage) this.messageUsage.set(messageId, usage);
    const parentToolUseId = asString(doc.parent_tool_use_id);
    for (const block of asArray(message.content).map(asObject)) {
      if (block?.type === 'text') {
        const text = asString(block.text) ?? '';
        if (!text.trim()) continue;
        this.lastAssistantText = text;
        events.push({ type: 'assistant', message: oneLine(text), payload: { ...clipText(text), parentToolUseId } });
      } else if (block?.type === 'thinking') {
        const text = asString(block.thinking) ?? '';
        if (!text.trim()) continue;
        events.push({ type: 'thinking', message: oneLine(text), payload: clipText(text) });
      } else if (block?.type === 'tool_use') {
        const name = asString(block.name) ?? 'tool';
        const input = asObject(block.input);
        const id = asString(block.id);
        events.push({
          type: 'tool_use',
          message: describeToolUse(name, input),
          payload: { id, name, input: clipToolInput(block.input ?? null), parentToolUseId },
        });
        if (ASK_USER_TOOLS.has(name)) {
          const question = askedQuestion(input) || 'The agent asks you a question.';
          events.push({ type: 'input_request', message: oneLine(question), payload: { question: clipChars(question, EVENT_TEXT_CHARS), toolUseId: id } });
        }
      }
    }
  }

  // Every tool result is kept (bounded): the transcript shows a command's output beside it.
  private onUser(doc: JsonObject, events: AdapterEvent[]): void {
    for (const block of asArray(asObject(doc.message)?.content).map(asObject)) {
      if (block?.type !== 'tool_result') continue;
      const isError = block.is_error === true;
      const text = toolResultText(block.content);
      events.push({
        type: isError ? 'tool_error' : 'tool_result',
        message: oneLine(text || (isError ? 'A tool call failed' : '(no output)')),
        payload: { toolUseId: asString(block.tool_use_id), isError, ...clipText(text) },
      });
    }
  }

  private onResult(doc: JsonObject, events: AdapterEvent[]): void {
    this.sessionId = asString(doc.session_id) ?? this.sessionId;
    const errors = asArray(doc.errors).map(asString).filter((e): e is string => e !== null);
    // Qwen Code puts its one error in `error.message`.
    const error = asString(asObject(doc.error)?.message);
    if (error) errors.push(error);
    const resultText = asString(doc.result);
    this.finalText = resultText?.trim() ? resultText : errors.join('\n') || this.finalText;
    const costUsd = asNumber(doc.total_cost_usd);
    this.model ??= Object.keys(asObject(doc.modelUsage) ?? {})[0] ?? null;
    this.finalUsage = normalizeUsage(asObject(doc.usage), costUsd, this.model);

    const subtype = asString(doc.subtype);
    const isError = doc.is_error === true || (subtype !== null && subtype !== 'success');
    // Claude without a login says so in the result's text, with no errors.
    const said = errors.length > 0 ? errors.join('\n') : isError ? resultText : null;
    if (said) this.failures.report(said);
    const numTurns = asNumber(doc.num_turns);
    let message: string;
    if (isError) {
      const why = oneLine(errors[0] ?? resultText ?? 'no details');
      message = subtype && subtype !== 'success' ? `Failed (${subtype}): ${why}` : `Failed: ${why}`;
    } else {
      const parts = [numTurns === null ? null : `${numTurns} turn${numTurns === 1 ? '' : 's'}`];
      parts.push(costUsd === null ? null : `$${costUsd.toFixed(4)}`);
      const details = parts.filter(Boolean).join(', ');
      message = details ? `Finished: ${details}` : 'Finished';
    }
    events.push({
      type: 'result',
      message,
      payload: {
        subtype,
        isError,
        numTurns,
        durationMs: asNumber(doc.duration_ms),
        costUsd,
        usage: this.finalUsage,
        errors: errors.length > 0 ? errors.map((e) => clipChars(e, EVENT_TEXT_CHARS)) : undefined,
        text: resultText === null ? null : clipText(resultText).text,
      },
    });
  }

  private usageSoFar(): UsageRecord | null {
    if (this.messageUsage.size === 0) return null;
    const sum: Record<string, number> = {};
    for (const usage of this.messageUsage.values()) {
      for (const key of USAGE_KEYS) sum[key] = (sum[key] ?? 0) + (asNumber(usage[key]) ?? 0);
    }
    return normalizeUsage(sum, null, this.model);
  }
}

const USAGE_KEYS = ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens'];

/**
 * Claude counts fresh, cache-written and cache-read input separately; Vigil's inputTokens is their
 * sum (all the input the model saw) and cachedInputTokens the cache-read part, as Codex reports it.
 */
function normalizeUsage(usage: JsonObject | null, costUsd: number | null, model: string | null): UsageRecord | null {
  if (!usage && costUsd === null) return null;
  const record: UsageRecord = {};
  if (usage) {
    const fresh = asNumber(usage.input_tokens);
    const written = asNumber(usage.cache_creation_input_tokens);
    const read = asNumber(usage.cache_read_input_tokens);
    if (fresh !== null || written !== null || read !== null) {
      record.inputTokens = (fresh ?? 0) + (written ?? 0) + (read ?? 0);
    }
    if (read !== null) record.cachedInputTokens = read;
    const output = asNumber(usage.output_tokens);
    if (output !== null) record.outputTokens = output;
  }
  if (costUsd !== null) record.costUsd = costUsd;
  if (model) record.model = model;
  return record;
}

function describeToolUse(name: string, input: JsonObject | null): string {
  const key = TOOL_INPUT_KEYS.find((k) => typeof input?.[k] === 'string' && input[k] !== '');
  return oneLine(key ? `${name}: ${String(input?.[key])}` : name);
}

/** AskUserQuestion's input: { questions: [{ question, options... }] } (or a plain question). */
function askedQuestion(input: JsonObject | null): string {
  const direct = asString(input?.question);
  if (direct) return direct;
  return asArray(input?.questions)
    .map((q) => asString(asObject(q)?.question))
    .filter((q): q is string => !!q)
    .join('\n');
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => asString(asObject(part)?.text))
    .filter((text): text is string => text !== null)
    .join('\n');
}
