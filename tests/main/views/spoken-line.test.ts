// The dashboard's "Last output": what the agent said, read from its stream-JSON by its own
// adapter's parser; a process agent's line as it is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spokenLine } from '../../../src/main/views/spoken-line';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/adapters', name), 'utf8').split('\n').filter((l) => l.trim());

describe('spokenLine', () => {
  it('a Claude result line becomes its text, never JSON', () => {
    for (const name of ['claude-success.jsonl', 'claude-transcript.jsonl']) {
      const lines = fixture(name);
      const last = lines[lines.length - 1];
      const spoken = spokenLine('claude_local', last);
      expect(spoken, name).toBeTruthy();
      expect(spoken!.startsWith('{'), name).toBe(false);
    }
  });

  it('every line of a Claude or Codex run reads as words (or nothing), never as its wire format', () => {
    for (const [type, name] of [['claude_local', 'claude-transcript.jsonl'], ['codex_local', 'codex-success.jsonl']] as const) {
      for (const line of fixture(name)) {
        const spoken = spokenLine(type, line);
        if (spoken !== null) expect(spoken.trimStart().startsWith('{'), `${name}: ${line.slice(0, 80)}`).toBe(false);
      }
    }
  });

  it("a Claude assistant message is the message's text", () => {
    const line = JSON.stringify({ type: 'assistant', message: { id: 'm1', role: 'assistant', model: 'x', content: [{ type: 'text', text: 'All tests pass now.' }] } });
    expect(spokenLine('claude_local', line)).toBe('All tests pass now.');
  });

  it("a process agent's line is kept as it is, JSON or not", () => {
    expect(spokenLine('process', '{"a":1}')).toBe('{"a":1}');
    expect(spokenLine('process', 'done')).toBe('done');
    expect(spokenLine('claude_local', 'plain text from claude')).toBe('plain text from claude');
    expect(spokenLine('claude_local', null)).toBeNull();
  });
});
