// `vigil run answer`'s flags: exactly one answer, turned into the call's decision.
import { describe, expect, it } from 'vitest';
import { decisionOf } from '../../src/cli/commands/requests';

describe('vigil run answer flags', () => {
  it('maps each flag to its decision', () => {
    expect(decisionOf({ allow: true })).toEqual({ decision: 'allow' });
    expect(decisionOf({ 'allow-always': true })).toEqual({ decision: 'allow_always' });
    expect(decisionOf({ deny: 'use make clean' })).toEqual({ decision: 'deny', message: 'use make clean' });
    expect(decisionOf({ text: 'Postgres' })).toEqual({ decision: 'answer', text: 'Postgres' });
    expect(decisionOf({ option: '2' })).toEqual({ decision: 'answer', option: 2 });
  });

  it('refuses no answer, two answers, and a bad option number, in words', () => {
    expect(() => decisionOf({})).toThrow(/say how to answer: --allow, --allow-always, --deny MSG, --text T or --option N/);
    expect(() => decisionOf({ allow: true, deny: 'no' })).toThrow(/give one answer, not --allow and --deny/);
    expect(() => decisionOf({ option: 'two' })).toThrow(/--option must be an option number from 1, got 'two'/);
  });
});
