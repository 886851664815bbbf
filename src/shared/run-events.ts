// The run events a transcript is built from: their types and the payload each carries. The
// claude_local and codex_local parsers write these shapes (src/main/adapters/), the renderer
// reads them (src/renderer/transcript/). Payloads are stored as JSON and read back untrusted,
// so readers check every field; these types say what a writer puts there.

/** Texts (assistant prose, tool inputs and results, the prompt) are kept up to this size each. */
export const TRANSCRIPT_TEXT_BYTES = 16 * 1024;
/** The prompt is kept whole up to this size (Linux caps one argv string at 128 KiB). */
export const PROMPT_TEXT_BYTES = 128 * 1024;
/** What a clipped text ends with. */
export const TRUNCATION_MARK = '[… truncated by Vigil]';

export interface ClippedText {
  text: string;
  /** The original was longer than the kept text. */
  truncated: boolean;
}

/** `prompt`: what Vigil sent the agent. */
export type PromptPayload = ClippedText;
/** `assistant`: the agent's prose (Markdown). `thinking`: its reasoning, shown folded. */
export type AssistantPayload = ClippedText & { parentToolUseId?: string | null };
export type ThinkingPayload = ClippedText;

/** `tool_use`: one tool call. `input` holds its arguments, each string clipped on its own. */
export interface ToolUsePayload {
  id: string | null;
  /** Bash, Edit, Write, Read, MultiEdit, Grep, ... (Codex commands are Bash, file changes FileChange). */
  name: string;
  input: unknown;
  parentToolUseId?: string | null;
}

/** `tool_result` (success) or `tool_error` (the tool failed): what a tool call gave back. */
export interface ToolResultPayload extends ClippedText {
  toolUseId: string | null;
  isError: boolean;
  exitCode?: number | null;
}

/** `result`: how the agent's turn ended. */
export interface ResultPayload {
  isError: boolean;
  subtype?: string | null;
  numTurns?: number | null;
  durationMs?: number | null;
  costUsd?: number | null;
  usage?: { inputTokens?: number; cachedInputTokens?: number; outputTokens?: number; costUsd?: number; model?: string } | null;
  errors?: string[];
  text?: string | null;
  error?: string;
}

/** `input_request`: the agent asks the user something and waits (Claude's AskUserQuestion). */
export interface InputRequestPayload {
  question: string;
  toolUseId: string | null;
}

/** `error`: the agent CLI reported an error outside any tool call. */
export interface ErrorPayload {
  message: string;
}

export const TRANSCRIPT_EVENT_TYPES = ['prompt', 'assistant', 'thinking', 'tool_use', 'tool_result', 'tool_error', 'result', 'error', 'input_request'] as const;
export type TranscriptEventType = (typeof TRANSCRIPT_EVENT_TYPES)[number];
