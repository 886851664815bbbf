// Each native adapter's parser on its recorded fixtures (tests/fixtures/adapters/<type>/README.md
// says where each came from): the transcript events, the session, usage and summary, and the
// failures the real CLIs print (a missing login, a session they do not know).
import { describe, expect, it } from 'vitest';
import { getAdapter } from '../../../src/main/adapters/index';
import type { AdapterEvent, AdapterResult } from '../../../src/main/adapters/types';
import type { AdapterType } from '../../../src/shared/domain';
import { ptyBytes } from '../../fixtures/adapters/context';

function parse(type: AdapterType, fixture: string, chunkBytes?: number): { events: AdapterEvent[]; result: AdapterResult } {
  const parser = getAdapter(type).createParser();
  const bytes = ptyBytes(fixture);
  const events: AdapterEvent[] = [];
  if (chunkBytes) for (let at = 0; at < bytes.length; at += chunkBytes) events.push(...parser.push(bytes.subarray(at, at + chunkBytes)));
  else events.push(...parser.push(bytes));
  events.push(...parser.end());
  return { events, result: parser.result() };
}

const types = (events: AdapterEvent[]) => events.map((e) => e.type);
const tools = (events: AdapterEvent[]) => events.filter((e) => e.type === 'tool_use').map((e) => (e.payload as { name: string }).name);

describe('native adapter parsers', () => {
  it.each([
    ['gemini_local', 'gemini_local/success.jsonl'],
    ['qwen_local', 'qwen_local/success.jsonl'],
    ['opencode_local', 'opencode_local/success.jsonl'],
    ['cursor_local', 'cursor_local/success.jsonl'],
    ['copilot_local', 'copilot_local/success.jsonl'],
    ['amp_local', 'amp_local/success.jsonl'],
    ['droid_local', 'droid_local/success.jsonl'],
  ] as const)('%s: bytes split anywhere (even mid-UTF-8) read the same as whole', (type, fixture) => {
    const whole = parse(type, fixture);
    expect(whole.events.length).toBeGreaterThan(3);
    expect(parse(type, fixture, 7)).toEqual(whole);
    expect(parse(type, fixture, 1)).toEqual(whole);
  });

  it('gemini_local: deltas joined into one message per turn, tools paired by id, tokens from the result stats', () => {
    const { events, result } = parse('gemini_local', 'gemini_local/success.jsonl');
    expect(types(events)).toEqual(['system', 'assistant', 'tool_use', 'tool_result', 'tool_use', 'tool_result', 'tool_use', 'tool_error', 'assistant', 'result']);
    expect(events[0].message).toBe('Session 6d99eac3-f93b-48de-abeb-bae9d5db29f0 started with auto');
    expect(events[1].payload).toMatchObject({ text: "I'll read the cart code first." });
    expect(tools(events)).toEqual(['read_file', 'replace', 'run_shell_command']);
    expect(events[4].payload).toMatchObject({ id: 'replace-1796604766015-1', input: { file_path: '/home/dev/shop/src/cart.ts', new_string: 'total = applyDiscount(total, code);' } });
    expect(events[7].payload).toMatchObject({ toolUseId: 'run_shell_command-1796604767500-2', isError: true, text: 'Tool execution denied by policy.' });
    expect(result).toEqual({
      sessionId: '6d99eac3-f93b-48de-abeb-bae9d5db29f0',
      sessionUnknown: false,
      usage: { inputTokens: 14820, cachedInputTokens: 9600, outputTokens: 490, model: 'gemini-2.5-pro' },
      summary: 'Fixed: the discount is applied once now. I could not run the tests here.',
    });
  });

  it('gemini_local: the real no-login and unknown-session lines become errors; an unknown session is forgotten', () => {
    const login = parse('gemini_local', 'gemini_local/not-logged-in.txt');
    expect(login.events).toEqual([expect.objectContaining({ type: 'error', payload: expect.objectContaining({ kind: 'login' }) })]);
    expect(login.result.summary).toMatch(/^Please set an Auth method/);
    expect(login.result.failure).toEqual({ kind: 'login', said: expect.stringMatching(/^Please set an Auth method/) });
    const unknown = parse('gemini_local', 'gemini_local/unknown-session.txt');
    expect(unknown.result).toMatchObject({ sessionId: null, sessionUnknown: true, summary: 'Error resuming session: No previous sessions found for this project.' });
  });

  it('qwen_local: Claude-shaped documents with thinking, the session from init, the error of a failed result', () => {
    const { events, result } = parse('qwen_local', 'qwen_local/success.jsonl');
    expect(types(events)).toEqual(['system', 'thinking', 'assistant', 'tool_use', 'tool_result', 'tool_use', 'tool_result', 'assistant', 'result']);
    expect(tools(events)).toEqual(['read_file', 'edit']);
    expect(result).toMatchObject({ sessionId: 'adad45c7-b76c-439b-ba7f-bdf7c3b5238c', usage: { inputTokens: 15850, outputTokens: 164, model: 'qwen3-coder-plus' }, summary: 'Fixed: the discount is applied once.' });
    const login = parse('qwen_local', 'qwen_local/not-logged-in.jsonl');
    expect(login.events.at(-1)).toMatchObject({ type: 'result', message: expect.stringContaining('No auth type is selected') });
    expect(login.result.summary).toMatch(/^No auth type is selected/);
    expect(login.result.failure).toEqual({ kind: 'login', said: expect.stringMatching(/^No auth type is selected/) });
    const unknown = parse('qwen_local', 'qwen_local/unknown-session.txt');
    expect(unknown.result).toMatchObject({ sessionId: null, sessionUnknown: true, summary: expect.stringMatching(/^No saved session found with ID/) });
  });

  it('opencode_local: finished tool parts become a call and its result; steps add up tokens and cost', () => {
    const { events, result } = parse('opencode_local', 'opencode_local/success.jsonl');
    expect(types(events)).toEqual(['system', 'assistant', 'tool_use', 'tool_result', 'tool_use', 'tool_result', 'tool_use', 'tool_error', 'assistant', 'result']);
    expect(tools(events)).toEqual(['read', 'edit', 'bash']);
    expect(events[7].payload).toMatchObject({ toolUseId: 'toolu_03Bash', isError: true, exitCode: 1 });
    expect(result).toEqual({
      sessionId: 'ses_db1f8110dffeeb6InC3uEzjNcD',
      sessionUnknown: false,
      usage: { inputTokens: 2210 + 180 + 9100 + 12500 + 1200, cachedInputTokens: 21600, outputTokens: 337, costUsd: 0.0254 },
      summary: 'Fixed: the discount is applied once. There is no test script to run.',
    });
    expect(events.at(-1)).toMatchObject({ type: 'result', message: 'Finished: 2 steps, $0.0254', payload: { costUsd: 0.0254, numTurns: 2 } });
    const offline = parse('opencode_local', 'opencode_local/api-error.jsonl');
    expect(types(offline.events)).toEqual(['system', 'error', 'result']);
    expect(offline.result.summary).toMatch(/^Cannot connect to API/);
    // Where it could not connect says which provider it tried.
    expect(offline.result.failure).toEqual({ kind: 'error', said: 'Cannot connect to API: Unable to connect. Is the computer able to access the url? (https://opencode.ai/zen/v1/chat/completions)' });
    expect(parse('opencode_local', 'opencode_local/unknown-session.txt').result).toMatchObject({ sessionUnknown: true, sessionId: null });
  });

  it('cursor_local: tool_call started/completed pair by call_id under their *ToolCall name', () => {
    const { events, result } = parse('cursor_local', 'cursor_local/success.jsonl');
    expect(types(events)).toEqual(['system', 'assistant', 'tool_use', 'tool_result', 'assistant', 'result']);
    expect(events[2].payload).toMatchObject({ id: 'toolu_vrtx_01NnjaR886UcE8whekg2MGJd', name: 'read', input: { path: 'src/cart.ts' } });
    expect(events[3].payload).toMatchObject({ toolUseId: 'toolu_vrtx_01NnjaR886UcE8whekg2MGJd', isError: false, text: expect.stringContaining('applyDiscount') });
    expect(result).toMatchObject({ sessionId: 'c6b62c6f-7ead-4fd6-9922-e952131177ff', usage: null });
  });

  it('copilot_local: session events become the transcript; usage adds up; the real failures are named', () => {
    const { events, result } = parse('copilot_local', 'copilot_local/success.jsonl');
    expect(types(events)).toEqual(['system', 'thinking', 'assistant', 'tool_use', 'tool_result', 'tool_use', 'tool_error', 'assistant', 'result']);
    expect(result).toEqual({
      sessionId: '3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
      sessionUnknown: false,
      usage: { inputTokens: 12040, cachedInputTokens: 8200, outputTokens: 310, model: 'claude-sonnet-4.5' },
      summary: 'Fixed: the discount is applied once. There is no test script to run.',
    });
    const login = parse('copilot_local', 'copilot_local/not-logged-in.txt');
    expect(login.events[0]).toMatchObject({ type: 'error', message: 'Error: No authentication information found.', payload: { kind: 'login' } });
    expect(login.result.failure).toEqual({ kind: 'login', said: 'Error: No authentication information found.' });
    expect(parse('copilot_local', 'copilot_local/unknown-session.txt').result).toMatchObject({ sessionUnknown: true, sessionId: null });
  });

  it('droid_local: messages, reasoning, tool calls paired by id, usage from its completion; its real no-login error is named', () => {
    const { events, result } = parse('droid_local', 'droid_local/success.jsonl');
    // Its user message repeats the prompt: not an event.
    expect(types(events)).toEqual(['system', 'thinking', 'assistant', 'tool_use', 'tool_result', 'tool_use', 'tool_result', 'tool_use', 'tool_error', 'assistant', 'result']);
    expect(tools(events)).toEqual(['Read', 'Edit', 'Execute']);
    expect(events[3]).toMatchObject({ message: 'Read: src/cart.ts', payload: { id: 'call_01Read', input: { file_path: 'src/cart.ts' } } });
    expect(events[8].payload).toMatchObject({ toolUseId: 'call_03Execute', isError: true, text: 'npm error Missing script: "test"' });
    expect(events.at(-1)).toMatchObject({ message: 'Finished: 4 turns', payload: { factoryCredits: 0.4 } });
    expect(result).toEqual({
      sessionId: '5d1e2c3b-4a59-4687-9b0a-1c2d3e4f5a6b',
      sessionUnknown: false,
      usage: { inputTokens: 3100 + 9000 + 1200, cachedInputTokens: 9000, outputTokens: 240, model: 'gpt-5.6-sol' },
      summary: 'Fixed: the discount is applied once. There is no test script to run.',
    });
    const login = parse('droid_local', 'droid_local/not-logged-in.jsonl');
    expect(types(login.events)).toEqual(['system', 'error', 'result']);
    expect(login.result.failure).toEqual({ kind: 'login', said: expect.stringMatching(/^Error: Authentication failed\. Please log in using \/login/) });
    expect(login.result.sessionId).toBe('a174c5fa-7be0-45eb-b4ff-8b35d6050ffe');
  });

  it('amp_local: Claude-compatible stream JSON with its thread as the session; its login prompt is a failure it waits on', () => {
    const { events, result } = parse('amp_local', 'amp_local/success.jsonl');
    expect(types(events)).toEqual(['system', 'assistant', 'tool_use', 'tool_result', 'assistant', 'result']);
    expect(result).toMatchObject({ sessionId: 'T-7f3c2a10-4b5e-4c6d-9e8f-0a1b2c3d4e5f', usage: { inputTokens: 15400, cachedInputTokens: 7000, outputTokens: 68 } });
    const login = parse('amp_local', 'amp_local/not-logged-in.txt');
    expect(types(login.events)).toEqual(['error', 'error']);
    expect(login.result.summary).toBe('No API key found. Starting login flow...');
    // It waits for a pasted code: the run is stopped and fails (tests/main/adapters/failure-outcome.test.ts).
    expect(login.result.failure).toEqual({ kind: 'login', said: 'No API key found. Starting login flow...', stuck: true });
  });
});
