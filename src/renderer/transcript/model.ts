// A run's stored events, read as a conversation: the prompt, the agent's prose and thinking,
// each tool call paired with its result, errors, and how it ended. Payloads come from the
// database untrusted (src/shared/run-events.ts says what writers put there): every field is checked.
import type { RunEventDto } from '../../shared/contract';

export interface ToolResult {
  text: string;
  isError: boolean;
  truncated: boolean;
  exitCode: number | null;
}

export type TranscriptItem =
  | { kind: 'prompt'; key: string; text: string; truncated: boolean }
  | { kind: 'assistant'; key: string; text: string; truncated: boolean }
  | { kind: 'thinking'; key: string; text: string }
  | { kind: 'tool'; key: string; id: string | null; name: string; input: Record<string, unknown>; result: ToolResult | null }
  | { kind: 'result'; key: string; isError: boolean; numTurns: number | null; durationMs: number | null; costUsd: number | null; inputTokens: number | null; outputTokens: number | null; cachedInputTokens: number | null; errors: string[] }
  | { kind: 'error'; key: string; message: string }
  | { kind: 'question'; key: string; question: string };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Event types that make a transcript; a run with none of them has nothing to show but its terminal. */
const TRANSCRIPT_TYPES = new Set(['prompt', 'assistant', 'thinking', 'tool_use', 'tool_result', 'tool_error', 'result', 'input_request']);

export function hasTranscript(events: RunEventDto[]): boolean {
  return events.some((e) => TRANSCRIPT_TYPES.has(e.type));
}

export function buildTranscript(events: RunEventDto[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const tools = new Map<string, Extract<TranscriptItem, { kind: 'tool' }>>();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const p = obj(e.payload);
    const key = e.id;
    switch (e.type) {
      case 'prompt':
        items.push({ kind: 'prompt', key, text: str(p.text) ?? e.message ?? '', truncated: p.truncated === true });
        break;
      case 'assistant':
        items.push({ kind: 'assistant', key, text: str(p.text) ?? e.message ?? '', truncated: p.truncated === true });
        break;
      case 'thinking':
        items.push({ kind: 'thinking', key, text: str(p.text) ?? e.message ?? '' });
        break;
      case 'tool_use': {
        const id = str(p.id);
        const tool = { kind: 'tool' as const, key, id, name: str(p.name) ?? (e.message ?? 'tool').split(':')[0], input: obj(p.input), result: null };
        items.push(tool);
        if (id) tools.set(id, tool);
        break;
      }
      case 'tool_result':
      case 'tool_error': {
        const result: ToolResult = {
          text: str(p.text) ?? str(p.content) ?? str(p.output) ?? e.message ?? '',
          isError: e.type === 'tool_error' || p.isError === true,
          truncated: p.truncated === true,
          exitCode: num(p.exitCode),
        };
        const owner = tools.get(str(p.toolUseId) ?? str(p.id) ?? '');
        if (owner && !owner.result) owner.result = result;
        else if (result.isError) items.push({ kind: 'error', key, message: result.text || (e.message ?? 'A tool call failed') });
        break;
      }
      case 'result': {
        const usage = obj(p.usage);
        // Codex reports each turn's usage; a failed turn carries its error instead.
        const error = str(p.error);
        if (error) {
          items.push({ kind: 'error', key, message: error });
          break;
        }
        items.push({
          kind: 'result',
          key,
          isError: p.isError === true,
          numTurns: num(p.numTurns),
          durationMs: num(p.durationMs),
          costUsd: num(p.costUsd) ?? num(usage.costUsd),
          inputTokens: num(usage.inputTokens),
          outputTokens: num(usage.outputTokens),
          cachedInputTokens: num(usage.cachedInputTokens),
          errors: Array.isArray(p.errors) ? p.errors.filter((x): x is string => typeof x === 'string') : [],
        });
        break;
      }
      case 'error':
        items.push({ kind: 'error', key, message: str(p.message) ?? e.message ?? 'Error' });
        break;
      case 'input_request':
        items.push({ kind: 'question', key, question: str(p.question) ?? e.message ?? '' });
        break;
    }
  }
  return items;
}
