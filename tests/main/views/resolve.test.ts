// One resolver for every verb: a unique prefix (4+) finds its row, an ambiguous one lists the
// candidates, VIG-n finds an issue and its escalation; the same answers over the API.
import { eq } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { issues } from '../../../src/main/db/schema';
import { startTestHost, type TestHost } from '../../helpers/host';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('id resolution', (kind) => {
  let h: TestHost | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('prefixes, ambiguity with candidates, VIG-n, and refusal of too-short prefixes', async () => {
    h = await startTestHost(kind);
    const a = await h.call('issues.create', { title: 'A' });
    const b = await h.call('issues.create', { title: 'B' });
    // Two ids sharing their first 8 characters, as random ids sometimes do.
    await h.host.ctx.db.update(issues).set({ id: 'abcd1234-0000-4000-8000-00000000000a' }).where(eq(issues.id, a.id));
    await h.host.ctx.db.update(issues).set({ id: 'abcd1234-0000-4000-8000-00000000000b' }).where(eq(issues.id, b.id));
    await expect(h.call('issues.get', { issue: 'abcd1234' })).rejects.toMatchObject({
      code: 'conflict',
      message: '"abcd1234" matches more than one issue: abcd1234-0000-4000-8000-00000000000a, abcd1234-0000-4000-8000-00000000000b. Give more characters of the id.',
    });
    expect((await h.call('issues.get', { issue: 'abcd1234-0000-4000-8000-00000000000b' })).title).toBe('B');
    expect((await h.call('issues.get', { issue: 'ABCD1234-0000-4000-8000-00000000000A' })).title).toBe('A');
    expect((await h.call('issues.get', { issue: b.identifier.toLowerCase() })).title).toBe('B');
    await expect(h.call('issues.get', { issue: 'abc' })).rejects.toMatchObject({ code: 'not_found', message: 'unknown issue "abc"' });
    await expect(h.call('issues.get', { issue: 'ab%_' })).rejects.toMatchObject({ code: 'not_found' });

    const agent = await h.call('agents.create', { name: 'runner', adapterType: 'process', command: 'true' });
    expect((await h.call('agents.get', { agent: agent.id.slice(0, 6) })).name).toBe('runner');
    const wake = await h.call('agents.wake', { agent: agent.id.slice(0, 8) });
    expect((await h.call('runs.get', { run: wake.runId!.slice(0, 5) })).id).toBe(wake.runId);
  });

  it('an agent by name, full id (any case) or prefix; a name that is another agent\'s id names its own agent', async () => {
    h = await startTestHost(kind);
    const a = await h.call('agents.create', { name: 'alpha', adapterType: 'process', command: 'true' });
    const b = await h.call('agents.create', { name: a.id, adapterType: 'process', command: 'true' });
    expect((await h.call('agents.get', { agent: 'alpha' })).id).toBe(a.id);
    expect((await h.call('agents.get', { agent: b.id.toUpperCase() })).id).toBe(b.id);
    expect((await h.call('agents.get', { agent: b.id.slice(0, 8) })).id).toBe(b.id);
    // Names are what people type: the name wins over the id it spells.
    expect((await h.call('agents.get', { agent: a.id })).id).toBe(b.id);
    await expect(h.call('agents.get', { agent: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(h.call('agents.get', { agent: 'nobody' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
