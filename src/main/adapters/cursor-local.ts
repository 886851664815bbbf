// Cursor's agent CLI, print mode: `cursor-agent -p --output-format stream-json PROMPT` prints
// Claude Code-shaped documents (system/init, user, assistant, result) plus `tool_call` documents
// (subtype started/completed, the call under a `<kind>ToolCall` key with its args and result).
// Not on npm, so not run here: written from Cursor's documentation of the format
// (cursor.com/docs/cli/reference/output-format); tests/fixtures/adapters/cursor_local/README.md.
import { ClaudeStream } from './claude-local';
import { jsonLinesParser, type JsonObject } from './json-lines';
import { cliCommand, cliInfo } from './cli-command';
import { asObject, asString, clipToolInput, oneLine, tailBytes } from './text';
import type { Adapter, AdapterEvent } from './types';

export const cursorLocalAdapter: Adapter = {
  type: 'cursor_local',
  info: cliInfo({
    label: 'Cursor Agent',
    command: 'cursor-agent',
    // Not on npm: Cursor's site says how to install it.
    install: 'see cursor.com/docs/cli (not on npm)',
    login: 'run `cursor-agent` once in a terminal and log in',
    // Its documented stream-json has no tokens.
    capabilities: { tokens: false },
  }),
  // The prompt is its positional argument, as documented.
  buildCommand: (ctx) => cliCommand(ctx, { command: 'cursor-agent', args: ['-p', '--output-format', 'stream-json'], resume: (id) => ['--resume', id], prompt: (prompt) => [prompt] }),
  // Its words for a missing login or an unknown session are not documented: none are matched.
  createParser: () => jsonLinesParser(new CursorStream({})),
};

/** `readToolCall` -> `read`: the card the transcript shows is chosen by this name. */
function toolName(key: string): string {
  return key.endsWith('ToolCall') ? key.slice(0, -'ToolCall'.length) : key;
}

class CursorStream extends ClaudeStream {
  protected override onOther(doc: JsonObject, events: AdapterEvent[]): void {
    if (doc.type !== 'tool_call') return;
    const call = asObject(doc.tool_call) ?? {};
    const key = Object.keys(call)[0];
    if (!key) return;
    const body = asObject(call[key]) ?? {};
    const name = toolName(key);
    const id = asString(doc.call_id);
    if (doc.subtype === 'started') {
      const input = asObject(body.args);
      const path = asString(input?.path) ?? asString(input?.command);
      events.push({ type: 'tool_use', message: oneLine(path ? `${name}: ${path}` : name), payload: { id, name, input: clipToolInput(body.args ?? null) } });
      return;
    }
    if (doc.subtype !== 'completed') return;
    const result = asObject(body.result) ?? {};
    const failed = asObject(result.error) ?? asObject(result.failure);
    const success = asObject(result.success);
    const text = failed ? (asString(failed.message) ?? asString(failed.error) ?? JSON.stringify(failed)) : successText(success);
    events.push({
      type: failed ? 'tool_error' : 'tool_result',
      message: oneLine(text || (failed ? 'A tool call failed' : '(no output)')),
      payload: { toolUseId: id, isError: !!failed, ...tailBytes(text) },
    });
  }
}

/** A completed call's success object: file content for a read, a line count for a write. */
function successText(success: JsonObject | null): string {
  if (!success) return '';
  const content = asString(success.content) ?? asString(success.output) ?? asString(success.stdout);
  if (content !== null) return content;
  return Object.entries(success)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}
