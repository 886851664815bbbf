// OpenCode, one message: `opencode run --format json -- PROMPT` prints one event per line, each
// {type, timestamp, sessionID, part | error}: step_start, text, reasoning, tool_use (a finished
// call with its input and output), step_finish (tokens and cost), error. Checked against
// `opencode run --help` and the run command in the binary of opencode-ai 1.18.33; the part shapes
// are the TextPart / ToolPart / StepFinishPart types of @opencode-ai/sdk 1.19.6.
import type { UsageRecord } from '../db/schema';
import { jsonLinesParser, type JsonObject } from './json-lines';
import { NativeStream } from './native-stream';
import { Failures } from './failures';
import { afterDashes, cliCommand, cliInfo } from './cli-command';
import { asNumber, asObject, asString, clipText, clipToolInput, oneLine } from './text';
import type { Adapter, AdapterEvent } from './types';

export const opencodeLocalAdapter: Adapter = {
  type: 'opencode_local',
  info: cliInfo({
    label: 'OpenCode',
    command: 'opencode',
    install: 'npm install -g opencode-ai',
    login: 'its default model needs none; for another provider run `opencode providers login` once in a terminal',
    capabilities: { cost: true },
  }),
  buildCommand: (ctx) => cliCommand(ctx, { command: 'opencode', args: ['run', '--format', 'json'], resume: (id) => ['--session', id], prompt: afterDashes }),
  createParser: () => jsonLinesParser(new OpencodeStream()),
};

/** `opencode run --session <id>` for a session it does not have prints "Session not found" (1.18.33). */
const UNKNOWN_SESSION_RE = /Session not found/i;

class OpencodeStream extends NativeStream {
  private tokens = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
  private cost = 0;
  private steps = 0;

  constructor() {
    super(new Failures({ unknownSession: UNKNOWN_SESSION_RE }));
  }

  handle(doc: JsonObject, events: AdapterEvent[]): void {
    const session = asString(doc.sessionID);
    if (session && session !== this.sessionId) {
      this.sessionId = session;
      events.push({ type: 'system', message: `Session ${session} started`, payload: { subtype: 'init', sessionId: session } });
    }
    const part = asObject(doc.part) ?? {};
    switch (doc.type) {
      case 'text':
      case 'reasoning': {
        const text = asString(part.text) ?? '';
        if (!text.trim()) return;
        if (doc.type === 'text') this.lastText = text;
        events.push({ type: doc.type === 'text' ? 'assistant' : 'thinking', message: oneLine(text), payload: clipText(text) });
        return;
      }
      case 'tool_use':
        return this.onTool(part, events);
      case 'step_finish':
        return this.onStepFinish(part);
      case 'error': {
        const error = asObject(doc.error) ?? {};
        const data = asObject(error.data);
        const message = asString(data?.message) ?? asString(error.name) ?? 'Error';
        // Where it failed to connect (an APIError's metadata.url) tells which provider it tried.
        const url = asString(asObject(data?.metadata)?.url);
        return this.error(message, events, { name: asString(error.name) }, true, url ? `${message} (${url})` : message);
      }
    }
  }

  end(events: AdapterEvent[]): void {
    if (this.steps === 0 && !this.failures.streamError) return;
    const finished = `Finished: ${this.steps} step${this.steps === 1 ? '' : 's'}, $${this.cost.toFixed(4)}`;
    events.push(this.endEvent(finished, { numTurns: this.steps, costUsd: this.steps > 0 ? this.cost : null, usage: this.usage() }));
  }

  private onTool(part: JsonObject, events: AdapterEvent[]): void {
    const name = asString(part.tool) ?? 'tool';
    const id = asString(part.callID) ?? asString(part.id);
    const state = asObject(part.state) ?? {};
    const input = asObject(state.input);
    const title = asString(state.title) ?? asString(input?.command) ?? asString(input?.filePath);
    events.push({ type: 'tool_use', message: oneLine(title ? `${name}: ${title}` : name), payload: { id, name, input: clipToolInput(state.input ?? null) } });
    const isError = state.status === 'error';
    const text = (isError ? asString(state.error) : asString(state.output)) ?? '';
    this.toolResult(id, isError, text, events, { exitCode: asNumber(asObject(state.metadata)?.exit) });
  }

  private onStepFinish(part: JsonObject): void {
    this.steps++;
    this.cost += asNumber(part.cost) ?? 0;
    const tokens = asObject(part.tokens) ?? {};
    const cache = asObject(tokens.cache) ?? {};
    this.tokens.input += asNumber(tokens.input) ?? 0;
    this.tokens.output += asNumber(tokens.output) ?? 0;
    this.tokens.cacheRead += asNumber(cache.read) ?? 0;
    this.tokens.cacheWrite += asNumber(cache.write) ?? 0;
  }

  /** Like Claude, OpenCode counts fresh, cache-written and cache-read input apart: Vigil's inputTokens is their sum. */
  protected usage(): UsageRecord | null {
    if (this.steps === 0) return null;
    const t = this.tokens;
    return { inputTokens: t.input + t.cacheRead + t.cacheWrite, cachedInputTokens: t.cacheRead, outputTokens: t.output, costUsd: this.cost };
  }
}
