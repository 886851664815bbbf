import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getAdapter } from '../../../src/main/adapters/index';
import { jsonLinesParser } from '../../../src/main/adapters/json-lines';
import type { AdapterEvent, AdapterResult } from '../../../src/main/adapters/types';
import type { AdapterType } from '../../../src/shared/domain';
import { ptyBytes } from '../../fixtures/adapters/context';

interface Parsed {
  events: AdapterEvent[];
  result: AdapterResult;
}

function parse(type: AdapterType, chunks: Buffer[]): Parsed {
  const parser = getAdapter(type).createParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  events.push(...parser.end());
  return { events, result: parser.result() };
}

/** A fixture parsed whole: its result is `result` and its events' [type, message] are `lines`; gives the events, for the payload checks. */
function parsedAs(type: AdapterType, fixture: string, result: AdapterResult, lines: [string, string][]): AdapterEvent[] {
  const parsed = parse(type, [ptyBytes(fixture)]);
  expect(parsed.result).toEqual(result);
  expect(parsed.events.map((e) => [e.type, e.message])).toEqual(lines);
  return parsed.events;
}

function cut(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  return [...sorted, buf.length].map((p, i) => buf.subarray(i === 0 ? 0 : sorted[i - 1], p));
}

const CLAUDE_SESSION = '5f0c2a8e-3b7d-4c1e-9a62-d4e8f1b07c35';
const CODEX_THREAD = '01a2139f-7c2e-7d10-b5a4-3f9e6c1d2a77';
const CLAUDE_SUMMARY =
  'Fixed: the discount was applied twice in src/cart.ts. All 8 cart tests pass — SHOP-12 is ready for review.';

const FIXTURES: [AdapterType, string][] = [
  ['claude_local', 'claude-success.jsonl'],
  ['claude_local', 'claude-transcript.jsonl'],
  ['claude_local', 'claude-not-logged-in.jsonl'],
  ['claude_local', 'claude-unknown-session.jsonl'],
  ['codex_local', 'codex-unknown-thread.jsonl'],
  ['codex_local', 'codex-success.jsonl'],
  ['codex_local', 'codex-turn-failed.jsonl'],
  ['codex_local', 'codex-offline.jsonl'],
];

describe('claude_local parser', () => {
  it('reads session, usage, cost, summary and events from a stream-json run', () => {
    // input = fresh 30 + cache written 2400 + cache read 46400
    const usage = { inputTokens: 48830, cachedInputTokens: 46400, outputTokens: 255, costUsd: 0.0731245, model: 'claude-sonnet-4-5' };
    const events = parsedAs('claude_local', 'claude-success.jsonl', { sessionId: CLAUDE_SESSION, sessionUnknown: false, usage, summary: CLAUDE_SUMMARY }, [
      ['system', `Session ${CLAUDE_SESSION} started with claude-sonnet-4-5`],
      ['assistant', 'Je regarde l’issue SHOP-12 — ça démarre ✓ 🚀'],
      ['tool_use', 'Bash: npm test -- cart'],
      ['tool_error', 'FAIL cart.test.ts ✕ applies the discount (12 ms) Tests: 1 failed, 7 passed'],
      ['thinking', 'The discount is applied twice.'],
      ['tool_use', 'Edit: /home/dev/shop/src/cart.ts'],
      ['tool_result', 'The file /home/dev/shop/src/cart.ts has been updated.'],
      ['tool_use', 'Bash: vigil issue comment SHOP-12 "Fixed the double discount in src/cart.ts; tests pass."'],
      ['tool_result', 'Comment added to SHOP-12'],
      ['assistant', CLAUDE_SUMMARY],
      ['result', 'Finished: 4 turns, $0.0731'],
    ]);
    expect(events[2].payload).toMatchObject({ id: 'toolu_01', name: 'Bash', input: { command: 'npm test -- cart' } });
    expect(events[3].payload).toMatchObject({ toolUseId: 'toolu_01', isError: true, truncated: false });
    expect(events[10].payload).toMatchObject({ subtype: 'success', isError: false, numTurns: 4, durationMs: 48213, text: CLAUDE_SUMMARY });
  });

  it('keeps what a transcript needs: thinking, Markdown text, tool inputs and every tool result', () => {
    const { events } = parse('claude_local', [ptyBytes('claude-transcript.jsonl')]);
    const byType = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload as Record<string, unknown>);
    expect(byType('thinking').map((p) => p.text)).toEqual([
      'The issue says totals are off when a coupon is used. I should read the cart module first, then run its tests.',
      'applyDiscount is called twice on line 3. Remove the outer call.',
    ]);
    expect(byType('assistant')[0]).toMatchObject({ text: expect.stringContaining('**`src/cart.ts`**'), truncated: false });
    const tools = byType('tool_use');
    expect(tools.map((t) => t.name)).toEqual(['Read', 'Bash', 'Edit', 'Write', 'Bash', 'Bash', 'Bash']);
    expect(tools[0].input).toEqual({ file_path: '/home/dev/shop/src/cart.ts' });
    expect(tools[2].input).toEqual({
      file_path: '/home/dev/shop/src/cart.ts',
      old_string: '  if (coupon) total = applyDiscount(applyDiscount(total, coupon), coupon);',
      new_string: '  if (coupon) total = applyDiscount(total, coupon);',
    });
    expect((tools[3].input as { content: string }).content).toContain("test('a coupon is applied once'");
    const results = events.filter((e) => e.type === 'tool_result' || e.type === 'tool_error');
    expect(results.map((e) => [e.type, (e.payload as { toolUseId: string }).toolUseId])).toEqual([
      ['tool_result', 'toolu_T1'],
      ['tool_error', 'toolu_T2'],
      ['tool_result', 'toolu_T3'],
      ['tool_result', 'toolu_T4'],
      ['tool_error', 'toolu_T5'],
      ['tool_result', 'toolu_T6'],
      ['tool_result', 'toolu_T7'],
    ]);
    expect(results[5].payload).toMatchObject({ text: 'PASS src/cart.test.ts\nPASS src/cart.regression.test.ts\nTests: 9 passed, 9 total', isError: false });
    expect(byType('result')[0]).toMatchObject({ numTurns: 8, costUsd: 0.1184, usage: { inputTokens: 100354, outputTokens: 550 } });
  });

  it('clips each tool result and each input string to 16 KiB on its own, marked', () => {
    const big = 'x'.repeat(40_000);
    const lines = [
      { type: 'assistant', message: { id: 'm', content: [{ type: 'tool_use', id: 't', name: 'Write', input: { file_path: '/a', content: big } }] } },
      { type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: big }] } },
    ];
    const { events } = parse('claude_local', [Buffer.from(lines.map((l) => JSON.stringify(l)).join('\r\n') + '\r\n')]);
    const input = (events[0].payload as { input: { file_path: string; content: string } }).input;
    expect(input.file_path).toBe('/a');
    expect(Buffer.byteLength(input.content)).toBeLessThan(17 * 1024);
    expect(input.content.endsWith('[… truncated by Vigil]')).toBe(true);
    expect(events[1].payload).toMatchObject({ truncated: true });
    expect(Buffer.byteLength((events[1].payload as { text: string }).text)).toBeLessThan(17 * 1024);
  });

  it('turns an AskUserQuestion call into an input request', () => {
    const { events } = parse('claude_local', [ptyBytes('claude-asks.jsonl')]);
    const asks = events.filter((e) => e.type === 'input_request');
    expect(asks).toHaveLength(1);
    expect(asks[0].payload).toEqual({ question: 'Should the coupon apply before or after tax?', toolUseId: 'toolu_Q1' });
  });

  it('says the session is unknown only when the CLI refuses to resume it (claude and codex)', () => {
    expect(parse('claude_local', [ptyBytes('claude-unknown-session.jsonl')]).result).toMatchObject({ sessionId: null, sessionUnknown: true });
    expect(parse('codex_local', [ptyBytes('codex-unknown-thread.jsonl')]).result).toMatchObject({ sessionId: null, sessionUnknown: true });
    // A failure of another kind keeps the session: the next run resumes it.
    expect(parse('codex_local', [ptyBytes('codex-turn-failed.jsonl')]).result.sessionUnknown).toBe(false);
    expect(parse('claude_local', [ptyBytes('claude-not-logged-in.jsonl')]).result.sessionUnknown).toBe(false);
  });

  it('reads the real output of an unauthenticated claude 2.1.197 (pty noise included)', () => {
    const { events, result } = parse('claude_local', [ptyBytes('claude-not-logged-in.jsonl')]);
    expect(result).toEqual({
      sessionId: 'c8e4c5c3-b903-4371-885c-1880c78db36a',
      sessionUnknown: false,
      usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0, model: 'claude-sonnet-5' },
      summary: 'Not logged in · Please run /login',
      failure: { kind: 'login', said: 'Not logged in · Please run /login' },
    });
    expect(events.map((e) => e.type)).toEqual(['system', 'assistant', 'result']);
    expect(events[2].message).toBe('Failed: Not logged in · Please run /login');
  });

  it('reports no session when --resume named a session claude does not have (real 2.1.197 output)', () => {
    const { events, result } = parse('claude_local', [ptyBytes('claude-unknown-session.jsonl')]);
    expect(result.sessionId).toBeNull();
    expect(result.summary).toBe(`No conversation found with session ID: ${CLAUDE_SESSION}`);
    expect(events).toHaveLength(1);
    expect(events[0].message).toMatch(/^Failed \(error_during_execution\): No conversation found/);
  });

  it('adds up usage per API message when the run was cut off before its result line', () => {
    const whole = ptyBytes('claude-success.jsonl').toString('utf8');
    const cutOff = Buffer.from(whole.slice(0, whole.indexOf('{"type":"result"')));
    const { events, result } = parse('claude_local', [cutOff]);
    expect(events.map((e) => e.type)).not.toContain('result');
    // Each message's usage counts once although Claude repeats it on every content-block line.
    expect(result).toEqual({
      sessionId: CLAUDE_SESSION,
      sessionUnknown: false,
      usage: { inputTokens: 48830, cachedInputTokens: 46400, outputTokens: 255, model: 'claude-sonnet-4-5' },
      summary: CLAUDE_SUMMARY,
    });
  });

  it('reads a last line that has no newline only when the stream ends', () => {
    const bytes = ptyBytes('claude-success.jsonl');
    const parser = getAdapter('claude_local').createParser();
    const events = parser.push(bytes.subarray(0, bytes.length - 2));
    expect(events.map((e) => e.type)).not.toContain('result');
    expect(parser.end().map((e) => e.type)).toEqual(['result']);
    expect(parser.result().usage?.costUsd).toBe(0.0731245);
  });
});

describe('codex_local parser', () => {
  it('reads thread id, usage, summary and item events from an exec --json run', () => {
    const usage = { inputTokens: 24510, cachedInputTokens: 19200, outputTokens: 1337 };
    const summary = 'Fixed the double discount in src/cart.ts; the 8 cart tests pass. 🚀';
    const events = parsedAs('codex_local', 'codex-success.jsonl', { sessionId: CODEX_THREAD, sessionUnknown: false, usage, summary }, [
      ['system', `Session ${CODEX_THREAD} started`],
      ['thinking', '**Looking for the failing test**'],
      ['tool_use', "$ bash -lc 'npm test -- cart'"],
      ['tool_error', "Exit 1: bash -lc 'npm test -- cart'"],
      ['tool_use', 'Changed files: update src/cart.ts'],
      ['tool_use', "$ bash -lc 'npm test -- cart'"],
      ['tool_result', 'Tests: 8 passed'],
      ['tool_use', `$ bash -lc 'vigil issue comment SHOP-12 "Fixed the double discount — tests pass ✓"'`],
      ['tool_result', 'Comment added to SHOP-12'],
      ['assistant', 'Fixed the double discount in src/cart.ts; the 8 cart tests pass. 🚀'],
      ['result', 'Turn completed: 24510 input tokens (19200 cached), 1337 output tokens'],
    ]);
    expect(events[2].payload).toMatchObject({ id: 'item_1', name: 'Bash', input: { command: "bash -lc 'npm test -- cart'" } });
    expect(events[3].payload).toMatchObject({ toolUseId: 'item_1', isError: true, exitCode: 1, text: 'FAIL cart.test.ts\n  ✕ applies the discount\n' });
  });

  it('reports a failed turn and a failed MCP call', () => {
    const { events, result } = parse('codex_local', [ptyBytes('codex-turn-failed.jsonl')]);
    expect(result).toEqual({
      sessionId: '01a213a0-0b3c-7e41-8c55-6a7d9e0f1b22',
      sessionUnknown: false,
      usage: null,
      summary: 'stream error: unexpected status 401 Unauthorized',
      failure: { kind: 'error', said: 'stream error: unexpected status 401 Unauthorized' },
    });
    expect(events.map((e) => [e.type, e.message])).toEqual([
      ['system', 'Session 01a213a0-0b3c-7e41-8c55-6a7d9e0f1b22 started'],
      ['tool_use', 'MCP tracker.fetch_ticket'],
      ['tool_error', 'MCP tracker.fetch_ticket: tracker is unreachable'],
      ['error', 'stream error: unexpected status 401 Unauthorized'],
      ['result', 'Turn failed: stream error: unexpected status 401 Unauthorized'],
    ]);
  });

  it('reads the real output of codex 0.169.0 offline, colored logs included, without repeating an error', () => {
    const { events, result } = parse('codex_local', [ptyBytes('codex-offline.jsonl')]);
    // Its last error is what it understood went wrong (the run's error, should the run fail).
    const waiting = 'Reconnecting... waiting for network (Connection failed: error sending request)';
    expect(result).toEqual({ sessionId: '01a2139e-d4c5-7960-b26b-71d8b8f3f018', sessionUnknown: false, usage: null, summary: waiting, failure: { kind: 'error', said: waiting } });
    expect(events.map((e) => e.type)).toEqual(['system', 'error', 'error', 'error', 'error', 'error', 'error']);
    expect(events.filter((e) => e.message?.includes('waiting for network'))).toHaveLength(1);
  });

  it('adds up the usage of every turn', () => {
    const turn = (input: number, cached: number, output: number) =>
      `{"type":"turn.completed","usage":{"input_tokens":${input},"cached_input_tokens":${cached},"output_tokens":${output}}}\r\n`;
    const bytes = Buffer.from(`{"type":"thread.started","thread_id":"t1"}\r\n${turn(100, 40, 7)}${turn(250, 200, 13)}`);
    expect(parse('codex_local', [bytes]).result.usage).toEqual({ inputTokens: 350, cachedInputTokens: 240, outputTokens: 20 });
  });
});

describe('parsers on arbitrary chunking and noise', () => {
  it.each(FIXTURES)('%s: %s gives the same result split at random bytes (mid-UTF-8 and mid-\\r\\n included)', (type, name) => {
    const bytes = ptyBytes(name);
    const whole = parse(type, [bytes]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 60 }), (points) => {
        expect(parse(type, cut(bytes, points))).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it.each(FIXTURES)('%s: %s gives the same result fed one byte at a time', (type, name) => {
    const bytes = ptyBytes(name);
    expect(parse(type, [...bytes].map((b) => Buffer.from([b])))).toEqual(parse(type, [bytes]));
  });

  const NOISE = [
    '\x1b[2m2026-11-25T16:51:46Z\x1b[0m \x1b[31mERROR\x1b[0m codex_api: failed to connect',
    'WARNING: proceeding, even though we could not create PATH aliases',
    '{"level":"info","msg":"a JSON log line without a type"}',
    '{"type": oops, not json}',
    '{"type":"result","session_id":"cut-off',
    '["type","an array"]',
    '{"type":42}',
    '  at Object.<anonymous> (/x/y.js:12:5) {"x"}',
    '\x00\x01\x02\xff\xfe binary',
    '',
  ];

  it.each(FIXTURES)('%s: %s ignores noise lines between its documents', (type, name) => {
    const clean = ptyBytes(name).toString('utf8');
    const whole = parse(type, [Buffer.from(clean)]);
    const lines = clean.split(/(?<=\r\n)/);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...NOISE), fc.string({ unit: 'binary' }).map((s) => s.replace(/\n/g, ''))), {
          minLength: lines.length,
          maxLength: lines.length,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (noise, points) => {
          const noisy = Buffer.from(lines.map((line, i) => `${noise[i]}\r\n${line}`).join(''));
          expect(parse(type, cut(noisy, points))).toEqual(whole);
        },
      ),
      { numRuns: 30 },
    );
  });

  it.each(['claude_local', 'codex_local'] as const)('%s: 64 MB of log without JSON yields no event and no result', (type) => {
    const logLine = Buffer.from(
      '\x1b[32m  ✓\x1b[0m compiled src/cart.ts {"level":"info"} in 12 ms — 42% [████████      ]\r\n',
    );
    const chunk = Buffer.concat(Array(Math.ceil((1024 * 1024) / logLine.length)).fill(logLine));
    const parser = getAdapter(type).createParser();
    for (let i = 0; i < 64; i++) expect(parser.push(chunk)).toEqual([]);
    expect(parser.end()).toEqual([]);
    expect(parser.result()).toEqual({ sessionId: null, sessionUnknown: false, usage: null, summary: null });
  });

  it('skips a JSON document longer than the line cap and reads the next one', () => {
    const events: string[] = [];
    const parser = jsonLinesParser(
      { handle: (doc) => void events.push(String(doc.type)), result: () => ({ sessionId: null, sessionUnknown: false, usage: null, summary: null }) },
      1024,
    );
    parser.push(Buffer.from(`{"type":"huge","text":"${'a'.repeat(2000)}"}\r\n{"type":"small"}\r\n`));
    parser.end();
    expect(events).toEqual(['small']);
  });
});

describe('process parser', () => {
  it('takes 200 MB of anything and holds nothing', () => {
    const chunk = Buffer.alloc(1024 * 1024, '{"type":"result","session_id":"s"}\r\n');
    const parser = getAdapter('process').createParser();
    for (let i = 0; i < 200; i++) expect(parser.push(chunk)).toEqual([]);
    expect(parser.end()).toEqual([]);
    expect(parser.result()).toEqual({ sessionId: null, sessionUnknown: false, usage: null, summary: null });
  });
});
