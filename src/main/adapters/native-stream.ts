// What the parsers of Gemini CLI, OpenCode and Copilot CLI share: each reads its CLI's own JSON
// events, and alike keeps the session it reported, the assistant's last text, its usage and what
// it said went wrong (Failures: errors in its stream, failures it prints as plain text), and
// turns them into the run's result.
import type { UsageRecord } from '../db/schema';
import type { Failures } from './failures';
import type { JsonDocumentHandler, JsonObject } from './json-lines';
import { EVENT_TEXT_CHARS, clipChars, oneLine, tailBytes } from './text';
import type { AdapterEvent, AdapterResult } from './types';

const SUMMARY_CHARS = 4000;

/** Session (forgotten when the CLI did not know it), usage, the last text (else the failure's words) as the summary. */
export function streamResult(sessionId: string | null, lastText: string | null, usage: UsageRecord | null, failures: Failures): AdapterResult {
  const summary = lastText?.trim() || failures.said;
  return {
    sessionId: failures.sessionUnknown ? null : sessionId,
    sessionUnknown: failures.sessionUnknown,
    usage,
    summary: summary ? clipChars(summary, SUMMARY_CHARS) : null,
    failure: failures.failure,
  };
}

export abstract class NativeStream implements JsonDocumentHandler {
  protected sessionId: string | null = null;
  protected model: string | null = null;
  /** The assistant's last text: the run's summary. */
  protected lastText: string | null = null;

  constructor(protected readonly failures: Failures) {}

  abstract handle(doc: JsonObject, events: AdapterEvent[]): void;

  protected abstract usage(): UsageRecord | null;

  plainLine(text: string, events: AdapterEvent[]): void {
    this.failures.read(text, events);
  }

  result(): AdapterResult {
    return streamResult(this.sessionId, this.lastText, this.usage(), this.failures);
  }

  /** The CLI reported its session (and model): kept, and said in a `system` init event. */
  protected started(sessionId: string | null, model: string | null, events: AdapterEvent[], details: JsonObject = {}): void {
    this.sessionId = sessionId ?? this.sessionId;
    this.model = model ?? this.model;
    events.push({
      type: 'system',
      message: `Session ${this.sessionId ?? '(none)'} started${this.model ? ` with ${this.model}` : ''}`,
      payload: { subtype: 'init', sessionId: this.sessionId, model: this.model, ...details },
    });
  }

  /** A tool call's end: its output's end (where an error usually is), or its error. */
  protected toolResult(toolUseId: string | null, isError: boolean, text: string, events: AdapterEvent[], details: JsonObject = {}): void {
    events.push({
      type: isError ? 'tool_error' : 'tool_result',
      message: oneLine(text || (isError ? 'A tool call failed' : '(no output)')),
      payload: { toolUseId, isError, ...details, ...tailBytes(text) },
    });
  }

  /**
   * An error the CLI reported in its stream: its `error` event (with the stream's own `details`);
   * a `fatal` one is also the run's failure, in the words `said` (its message unless given).
   */
  protected error(message: string, events: AdapterEvent[], details: JsonObject, fatal = true, said = message): void {
    if (fatal) this.failures.report(said);
    events.push({ type: 'error', message: oneLine(message), payload: { message: clipChars(message, EVENT_TEXT_CHARS), ...details } });
  }

  /** For a CLI with no final document of its own: one `result` event, "Failed: <its error>" or the `finished` words. */
  protected endEvent(finished: string, payload: JsonObject): AdapterEvent {
    const error = this.failures.streamError;
    return {
      type: 'result',
      message: error ? oneLine(`Failed: ${error}`) : finished,
      payload: { isError: error !== null, ...payload, errors: error ? [error] : undefined },
    };
  }
}
