// Reads what `vigil acp-client` printed (lines.ts) into the events Vigil already has: streamed
// message and thought chunks become one `assistant` / `thinking` event each, a tool call a
// `tool_use` with its input, its completion a `tool_result` or `tool_error`, a plan a `plan`
// event, the prompt turn's end a `result`. Anything else on the line (the agent's stderr) is log only.
import type { SessionUpdate, ToolCallContent } from '@agentclientprotocol/sdk';
import type { UsageRecord } from '../../db/schema';
import { jsonLinesParser, type JsonDocumentHandler, type JsonObject } from '../json-lines';
import { clipChars, clipText, clipToolInput, EVENT_TEXT_CHARS, oneLine, tailBytes } from '../text';
import type { AdapterEvent, AdapterResult, OutputParser } from '../types';
import type { AcpLine } from './lines';

const SUMMARY_CHARS = 2000;

class AcpLineHandler implements JsonDocumentHandler {
  private sessionId: string | null = null;
  private sessionUnknown = false;
  private usage: UsageRecord | null = null;
  private pending: { kind: 'assistant' | 'thinking'; text: string } | null = null;
  private lastAssistantText: string | null = null;
  private failure: string | null = null;
  private readonly toolNames = new Map<string, string>();

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    if (typeof doc.type !== 'string' || !doc.type.startsWith('acp.')) return;
    const line = doc as unknown as AcpLine;
    if (line.type === 'acp.update' && this.chunk(line.update)) return;
    this.flush(events);
    switch (line.type) {
      case 'acp.session':
        this.sessionId = line.sessionId;
        this.sessionUnknown = false;
        events.push({
          type: 'system',
          message: `${line.loaded ? 'Resumed' : 'Started'} ACP session ${line.sessionId}${line.agent ? ` with ${line.agent}` : ''}`,
          payload: { subtype: 'init', sessionId: line.sessionId, loaded: line.loaded, agent: line.agent },
        });
        return;
      case 'acp.session_unknown':
        // Forgotten only if no new session replaces it (acp.session comes right after).
        this.sessionUnknown = true;
        this.sessionId = null;
        events.push({ type: 'system', message: oneLine(`Could not resume session ${line.sessionId}: ${line.reason}`), payload: { subtype: 'session_unknown', ...line } });
        return;
      case 'acp.update':
        return this.update(line.update, events);
      case 'acp.permission':
        events.push({ type: 'system', message: oneLine(`Permission for ${line.title}: ${line.decision}`), payload: { subtype: 'permission', ...line } });
        return;
      case 'acp.end': {
        const isError = line.stopReason !== 'end_turn';
        if (isError) this.failure ??= `the agent stopped its turn: ${line.stopReason}`;
        events.push({ type: 'result', message: isError ? `Stopped: ${line.stopReason}` : 'Finished', payload: { isError, subtype: line.stopReason, usage: this.usage } });
        return;
      }
      case 'acp.error':
        this.failure = line.message;
        events.push({ type: 'error', message: oneLine(line.message), payload: { message: clipChars(line.message, EVENT_TEXT_CHARS) } });
        return;
    }
  }

  end(events: AdapterEvent[]): void {
    this.flush(events);
  }

  result(): AdapterResult {
    const summary = this.lastAssistantText?.trim() || this.failure;
    return {
      sessionId: this.sessionId,
      sessionUnknown: this.sessionUnknown && this.sessionId === null,
      usage: this.usage,
      summary: summary ? clipChars(summary, SUMMARY_CHARS) : null,
      ...(this.failure ? { failure: { kind: 'error' as const, said: this.failure } } : {}),
    };
  }

  /** A message or thought chunk: held until the stream of its kind ends. True when it was one. */
  private chunk(update: SessionUpdate): boolean {
    const kind = update.sessionUpdate === 'agent_message_chunk' ? 'assistant' : update.sessionUpdate === 'agent_thought_chunk' ? 'thinking' : null;
    if (!kind) return false;
    const content = update.sessionUpdate === 'agent_message_chunk' || update.sessionUpdate === 'agent_thought_chunk' ? update.content : null;
    const text = content?.type === 'text' ? content.text : '';
    if (this.pending && this.pending.kind !== kind) return false;
    this.pending ??= { kind, text: '' };
    this.pending.text += text;
    return true;
  }

  private flush(events: AdapterEvent[]): void {
    const held = this.pending;
    this.pending = null;
    if (!held || !held.text.trim()) return;
    if (held.kind === 'assistant') this.lastAssistantText = held.text;
    events.push({ type: held.kind, message: oneLine(held.text), payload: clipText(held.text) });
  }

  private update(update: SessionUpdate, events: AdapterEvent[]): void {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk':
      case 'agent_thought_chunk':
        // A chunk of the other kind than the one held: the held one was flushed, start anew.
        this.chunk(update);
        return;
      case 'tool_call': {
        const name = update.kind && update.kind !== 'other' ? update.kind : (update.name ?? 'tool');
        this.toolNames.set(update.toolCallId, name);
        events.push({
          type: 'tool_use',
          message: oneLine(`${name}: ${update.title}`),
          payload: { id: update.toolCallId, name, input: clipToolInput({ title: update.title, ...(rawObject(update.rawInput) ?? {}), locations: update.locations ?? undefined }) },
        });
        return this.finished(update.toolCallId, update.status, update.content, update.rawOutput, events);
      }
      case 'tool_call_update':
        return this.finished(update.toolCallId, update.status, update.content, update.rawOutput, events);
      case 'plan': {
        const entries = update.entries.map((e) => ({ content: clipChars(e.content, 500), status: e.status, priority: e.priority }));
        const done = entries.filter((e) => e.status === 'completed').length;
        events.push({ type: 'plan', message: `Plan: ${done}/${entries.length} done`, payload: { entries } });
        return;
      }
      case 'usage_update': {
        const cost = update.cost && update.cost.currency.toUpperCase() === 'USD' ? update.cost.amount : undefined;
        // ACP reports the context window's use, not billed tokens: only a cost in dollars is usage here.
        if (cost !== undefined) this.usage = { ...this.usage, costUsd: cost };
        events.push({ type: 'usage', message: `Context: ${update.used} of ${update.size} tokens`, payload: { used: update.used, size: update.size, cost: update.cost ?? null } });
        return;
      }
      default:
        return;
    }
  }

  private finished(id: string, status: string | null | undefined, content: ToolCallContent[] | null | undefined, rawOutput: unknown, events: AdapterEvent[]): void {
    if (status !== 'completed' && status !== 'failed') return;
    const isError = status === 'failed';
    const text = contentText(content) || (rawOutput === undefined || rawOutput === null ? '' : typeof rawOutput === 'string' ? rawOutput : JSON.stringify(rawOutput));
    events.push({
      type: isError ? 'tool_error' : 'tool_result',
      message: oneLine(text || (isError ? `${this.toolNames.get(id) ?? 'A tool call'} failed` : '(no output)')),
      payload: { toolUseId: id, isError, ...tailBytes(text) },
    });
  }
}

function rawObject(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

function contentText(content: ToolCallContent[] | null | undefined): string {
  return (content ?? [])
    .map((c) => {
      if (c.type === 'diff') return `${c.path}: changed`;
      if (c.type === 'terminal') return `(terminal ${c.terminalId})`;
      return c.content.type === 'text' ? c.content.text : '';
    })
    .filter(Boolean)
    .join('\n');
}

export function createAcpParser(): OutputParser {
  return jsonLinesParser(new AcpLineHandler());
}
