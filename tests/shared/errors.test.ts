// Validation errors in sentences that name the field: what a person reads when a call is refused.
import { describe, expect, it } from 'vitest';
import { calls } from '../../src/shared/contract';
import { invalidInput } from '../../src/shared/errors';

function refusal(method: keyof typeof calls, input: Record<string, unknown>) {
  const parsed = calls[method].input.safeParse(input);
  if (parsed.success) throw new Error('expected a refusal');
  return invalidInput(method, parsed.error, input);
}

describe('invalidInput in words', () => {
  it('an empty title: "title: must not be empty"', () => {
    const err = refusal('issues.create', { title: '   ' });
    expect(err.message).toBe('issues.create: title: must not be empty');
    expect(err.field).toBe('title');
  });

  it('a body over the limit says the limit and what was given, with thousands separators', () => {
    const err = refusal('issues.create', { title: 'x', body: 'a'.repeat(100_012) });
    expect(err.message).toBe('issues.create: body: at most 100,000 characters (you gave 100,012)');
  });

  it('a wrong kind, a missing field, an unknown option and an unknown field', () => {
    expect(refusal('agents.update', { agent: 'a', patch: { timeoutSec: 0 } }).message).toBe('agents.update: patch.timeoutSec: must be at least 1 (you gave 0)');
    expect(refusal('issues.comment', { issue: 'VIG-1' }).message).toBe('issues.comment: body: is required');
    expect(refusal('issues.update', { issue: 'VIG-1', status: 'doing' }).message).toMatch(/^issues\.update: status: must be one of backlog, todo, .* \(you gave "doing"\)$/);
    expect(refusal('issues.get', { issue: 'VIG-1', extra: 1 }).message).toBe('issues.get: (input): unknown field "extra"');
    expect(refusal('agents.get', { agent: 7 }).message).toBe('agents.get: agent: must be text');
  });

  it("keeps a schema's own message", () => {
    expect(refusal('agents.create', { name: 'x', adapterType: 'process' }).message).toBe('agents.create: command: the process adapter needs --command');
  });
});
