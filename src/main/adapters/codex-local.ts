// Codex CLI, non-interactive: `codex exec --json` prints one event per line (thread.started,
// turn.*, item.*, error). Checked against `codex exec --help` and `codex exec resume --help` of
// @openai/codex 0.169.0.
import type { UsageRecord } from '../db/schema';
import { Failures } from './failures';
import { jsonLinesParser, type JsonDocumentHandler, type JsonObject } from './json-lines';
import { afterDashes, cliCommand, cliInfo } from './cli-command';
import { streamResult } from './native-stream';
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
  tailBytes,
} from './text';
import type { Adapter, AdapterEvent, AdapterResult } from './types';

/** Without a sandbox choice Codex exec runs read-only: an agent could not change the code. */
export const CODEX_DEFAULT_SANDBOX = 'workspace-write';

export const codexLocalAdapter: Adapter = {
  type: 'codex_local',
  info: cliInfo({ label: 'Codex CLI', command: 'codex', install: 'npm install -g @openai/codex', login: 'run `codex` once in a terminal and log in' }),
  buildCommand(ctx) {
    const cwd = ctx.agent.cwd ?? ctx.defaultCwd;
    const args = ['exec', '--json', '--skip-git-repo-check', '--cd', cwd];
    if (!choosesSandbox(ctx.agent.args)) args.push('--sandbox', CODEX_DEFAULT_SANDBOX);
    // exec's own options (the agent's args included) come before the subcommand: `exec resume`
    // alone accepts neither --cd nor --sandbox.
    const resume = ctx.resumeSessionId ? ['resume', ctx.resumeSessionId] : [];
    return cliCommand(ctx, { command: 'codex', args, cwd, prompt: (prompt) => [...resume, ...afterDashes(prompt)] });
  },
  createParser: () => jsonLinesParser(new CodexStream()),
};

function choosesSandbox(args: string[]): boolean {
  return args.some(
    (arg) =>
      arg === '-s' ||
      arg === '--sandbox' ||
      arg.startsWith('--sandbox=') ||
      arg === '--dangerously-bypass-approvals-and-sandbox' ||
      arg.includes('sandbox_mode='),
  );
}

/**
 * How `codex exec resume <id>` refuses a thread it does not have. Not recorded from the real CLI
 * (it cannot run offline here): matched loosely on the wording of its rollout lookup.
 */
const UNKNOWN_THREAD_RE = /no (?:rollout|thread|session|conversation) found|thread not found|session not found/i;

class CodexStream implements JsonDocumentHandler {
  private threadId: string | null = null;
  private usage: Required<Pick<UsageRecord, 'inputTokens' | 'cachedInputTokens' | 'outputTokens'>> | null = null;
  private lastMessage: string | null = null;
  private lastError: string | null = null;
  private readonly failures = new Failures({ unknownSession: UNKNOWN_THREAD_RE });
  /** Items already reported as started, so their completion does not repeat them. */
  private readonly announced = new Set<string>();

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    switch (doc.type) {
      case 'thread.started':
        this.threadId = asString(doc.thread_id) ?? this.threadId;
        events.push({
          type: 'system',
          message: `Session ${this.threadId ?? '(none)'} started`,
          payload: { sessionId: this.threadId },
        });
        return;
      case 'turn.completed':
        return this.onTurnCompleted(asObject(doc.usage), events);
      case 'turn.failed': {
        const failure = asString(asObject(doc.error)?.message) ?? 'The turn failed';
        this.failures.report(failure);
        events.push({
          type: 'result',
          message: oneLine(`Turn failed: ${failure}`),
          payload: { error: failure },
        });
        return;
      }
      case 'error':
        return this.onError(asString(doc.message) ?? 'Unknown error', events);
      case 'item.started':
      case 'item.updated':
      case 'item.completed': {
        const item = asObject(doc.item);
        if (item) this.onItem(item, doc.type === 'item.completed', events);
        return;
      }
    }
  }

  result(): AdapterResult {
    return streamResult(this.threadId, this.lastMessage, this.usage, this.failures);
  }

  private onTurnCompleted(usage: JsonObject | null, events: AdapterEvent[]): void {
    const input = asNumber(usage?.input_tokens) ?? 0;
    const cached = asNumber(usage?.cached_input_tokens) ?? 0;
    const output = asNumber(usage?.output_tokens) ?? 0;
    // Codex's input_tokens already include the cached ones; a resumed exec can run several turns.
    const total = this.usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    this.usage = {
      inputTokens: total.inputTokens + input,
      cachedInputTokens: total.cachedInputTokens + cached,
      outputTokens: total.outputTokens + output,
    };
    events.push({
      type: 'result',
      message: `Turn completed: ${input} input tokens (${cached} cached), ${output} output tokens`,
      payload: { usage: { inputTokens: input, cachedInputTokens: cached, outputTokens: output } },
    });
  }

  // While it waits for the network Codex prints the same error again and again: a repeat of the
  // previous error adds no event.
  private onError(message: string, events: AdapterEvent[]): void {
    this.failures.report(message);
    if (message === this.lastError) return;
    this.lastError = message;
    events.push({
      type: 'error',
      message: oneLine(message),
      payload: { message: clipChars(message, EVENT_TEXT_CHARS) },
    });
  }

  private onItem(item: JsonObject, completed: boolean, events: AdapterEvent[]): void {
    const id = asString(item.id) ?? '';
    const status = asString(item.status);
    switch (item.type) {
      case 'agent_message': {
        const text = asString(item.text) ?? '';
        if (!completed || !text.trim()) return;
        this.lastMessage = text;
        events.push({ type: 'assistant', message: oneLine(text), payload: clipText(text) });
        return;
      }
      case 'reasoning': {
        const text = asString(item.text) ?? '';
        if (!completed || !text.trim()) return;
        events.push({ type: 'thinking', message: oneLine(text), payload: clipText(text) });
        return;
      }
      case 'command_execution': {
        const command = asString(item.command) ?? '';
        this.announce(id, events, {
          type: 'tool_use',
          message: oneLine(`$ ${command}`),
          payload: { id, name: 'Bash', input: { command: clipText(command).text }, kind: 'command', command },
        });
        if (!completed) return;
        const exitCode = asNumber(item.exit_code);
        const failed = status === 'failed' || status === 'declined' || (exitCode ?? 0) !== 0;
        // The end of a command's output is where its error usually is.
        const output = tailBytes(asString(item.aggregated_output) ?? '');
        events.push({
          type: failed ? 'tool_error' : 'tool_result',
          message: failed
            ? oneLine(status === 'declined' ? `Declined: ${command}` : `Exit ${exitCode ?? '?'}: ${command}`)
            : oneLine(output.text || '(no output)'),
          payload: { toolUseId: id, isError: failed, exitCode, ...output, command, status },
        });
        return;
      }
      case 'file_change': {
        if (!completed) return;
        const changes = asArray(item.changes)
          .map(asObject)
          .map((c) => `${asString(c?.kind) ?? 'change'} ${asString(c?.path) ?? '?'}`);
        const failed = status === 'failed';
        events.push({
          type: 'tool_use',
          message: oneLine(`${failed ? 'File changes failed' : 'Changed files'}: ${changes.join(', ')}`),
          payload: { id, name: 'FileChange', input: { changes: clipToolInput(item.changes ?? null) }, kind: 'file_change', status },
        });
        if (failed) {
          events.push({
            type: 'tool_error',
            message: oneLine(`File changes failed: ${changes.join(', ')}`),
            payload: { toolUseId: id, isError: true, text: 'The file changes failed.', truncated: false },
          });
        }
        return;
      }
      case 'mcp_tool_call': {
        const name = `${asString(item.server) ?? '?'}.${asString(item.tool) ?? '?'}`;
        this.announce(id, events, {
          type: 'tool_use',
          message: oneLine(`MCP ${name}`),
          payload: { id, name, input: clipToolInput(item.arguments ?? null), kind: 'mcp' },
        });
        if (!completed || status !== 'failed') return;
        const why = asString(asObject(item.error)?.message) ?? 'failed';
        events.push({
          type: 'tool_error',
          message: oneLine(`MCP ${name}: ${why}`),
          payload: { toolUseId: id, isError: true, ...clipText(why), id, name, error: why },
        });
        return;
      }
      case 'web_search': {
        const query = asString(item.query) ?? '';
        this.announce(id, events, {
          type: 'tool_use',
          message: oneLine(`Web search: ${query}`),
          payload: { id, name: 'WebSearch', input: { query }, kind: 'web_search', query },
        });
        return;
      }
      case 'error': {
        if (completed) this.onError(asString(item.message) ?? 'Unknown error', events);
        return;
      }
    }
  }

  private announce(id: string, events: AdapterEvent[], event: AdapterEvent): void {
    if (id && this.announced.has(id)) return;
    if (id) this.announced.add(id);
    events.push(event);
  }
}
