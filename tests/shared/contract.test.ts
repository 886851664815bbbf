// Contract validation: every bad call is answered with a structured error naming what was
// wrong, by the real API over the real services, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, calls } from '../../src/shared/contract';
import { ContractError } from '../../src/shared/errors';
import { startTestHost, type TestHost } from '../helpers/host';

describe('contract validation in the host', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost('pglite', { startScheduler: false });
    await t.call('agents.create', { name: 'known', adapterType: 'process', command: 'true' });
  });
  afterAll(async () => {
    await t.stop();
    t.target.cleanup();
  });

  const reject = (method: unknown, params: unknown) => t.host.api.invoke(method, params).then(
    () => {
      throw new Error(`${method} accepted ${JSON.stringify(params)}`);
    },
    (err: unknown) => err as ContractError,
  );

  it('names the field of a bad input', async () => {
    const cases: [string, unknown, string, RegExp][] = [
      ['agents.create', { name: 'x' }, 'adapterType', /adapterType/],
      ['agents.create', { name: 'x', adapterType: 'process' }, 'command', /needs --command/],
      ['agents.create', { name: 'bad name!', adapterType: 'process', command: 'true' }, 'name', /agent names/],
      ['agents.create', { name: 'x', adapterType: 'shell', command: 'true' }, 'adapterType', /process/],
      ['agents.create', { name: 'x', adapterType: 'process', command: 'true', env: { 'NOT OK': 'v' } }, 'env.NOT OK', /env\.NOT OK/],
      ['issues.update', { issue: 'VIG-1', status: 'finished' }, 'status', /in_progress/],
      ['issues.create', { title: '   ' }, 'title', /title/],
      ['runs.list', { limit: 0 }, 'limit', /limit/],
      ['runs.log', { run: 'r', offset: -1 }, 'offset', /offset/],
      ['agents.update', { agent: 'known', patch: { timeoutSec: 'soon' } }, 'patch.timeoutSec', /timeoutSec/],
      ['issues.create', { title: 'nul \u0000 inside' }, 'title', /NUL/],
      ['issues.comment', { issue: 'VIG-1', body: 'lone \uD800 surrogate' }, 'body', /surrogate/],
      ['agents.create', { name: 'x', adapterType: 'process', command: 'true', env: { OK: 'a\u0000b' } }, 'env.OK', /NUL/],
    ];
    for (const [method, params, field, message] of cases) {
      const err = await reject(method, params);
      expect(err, method).toBeInstanceOf(ContractError);
      expect(err.code, `${method} ${JSON.stringify(params)}`).toBe('invalid_input');
      expect(err.field, `${method} ${JSON.stringify(params)}`).toBe(field);
      expect(err.message).toMatch(message);
    }
    expect((await t.call('agents.list', {})).map((a) => a.name)).toEqual(['known']);
  });

  it('refuses unknown fields, unknown calls and non-object inputs for every call', async () => {
    for (const method of CALL_NAMES) {
      const extra = await reject(method, { ...sample(method), surprise: 1 });
      expect(extra.code, method).toBe('invalid_input');
      expect(extra.message, method).toMatch(/surprise/);
      const wrongType = await reject(method, 'a string');
      expect(wrongType.code, method).toBe('invalid_input');
    }
    const unknown = await reject('agents.explode', {});
    expect(unknown).toMatchObject({ code: 'unknown_call', field: 'method' });
    const notString = await reject(42, {});
    expect(notString.code).toBe('unknown_call');
  });

  it('answers references to things that do not exist with not_found naming them', async () => {
    await expect(t.call('agents.get', { agent: 'ghost' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('ghost') });
    await expect(t.call('issues.get', { issue: 'VIG-999' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.call('runs.get', { run: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.call('issues.create', { title: 'x', assignee: 'ghost' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await t.call('issues.list', {})).total).toBe(0);
  });

  it('refuses a duplicate agent name as a conflict on the name', async () => {
    await expect(t.call('agents.create', { name: 'known', adapterType: 'process', command: 'true' })).rejects.toMatchObject({
      code: 'conflict',
      field: 'name',
    });
  });
});

/** A minimal valid-looking input for each call, so only the surprise key is wrong. */
function sample(method: keyof typeof calls): Record<string, unknown> {
  const byKey: Record<string, unknown> = { agent: 'known', issue: 'VIG-1', run: 'r', escalation: 'e', name: 'n', adapterType: 'process', command: 'true', title: 't', body: 'b', patch: {},
    // issue 21's calls (requests, rules, the terminal's wheel)
    key: 'k-12345678', kind: 'permission', input: {}, request: 'q', rule: 'r', decision: 'allow', writer: 'w-12345678', who: 'me', take: true, data: '', cols: 80, rows: 24 };
  const shape = (calls[method].input as unknown as { shape?: Record<string, { isOptional(): boolean }> }).shape;
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape ?? {})) if (!schema.isOptional() && key in byKey) out[key] = byKey[key];
  return out;
}
