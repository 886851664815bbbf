// The hold timer: one timer at the earliest deadline; when it passes, a usage-window hold ends
// (the queue runs) and a monthly budget's pause ends with its period (the agent resumes).
import { afterEach, expect, it } from 'vitest';
import { HoldTimer, holdOf, placeHold } from '../../../src/main/budgets/holds';
import { describeEachStore } from '../../helpers/stores';
import { startTestHost, waitFor, type TestHost } from '../../helpers/host';

describeEachStore('agent holds', (kind) => {
  let t: TestHost | null = null;
  let timer: HoldTimer | null = null;
  afterEach(async () => {
    timer?.stop();
    await t?.stop();
    t?.target.cleanup();
    t = null;
  });

  it('a budget pause ends when its period does, a usage window at its reset: each then runs the scheduler', async () => {
    const h = (t = await startTestHost(kind, { startScheduler: false }));
    const a = await h.call('agents.create', { name: 'a', adapterType: 'process', command: 'true' });
    const b = await h.call('agents.create', { name: 'b', adapterType: 'process', command: 'true' });
    let at = Date.parse('2026-12-31T23:00:00Z');
    let released = 0;
    timer = new HoldTimer(h.host.ctx, () => void released++, () => new Date(at));
    await placeHold(h.host.ctx.db, { agentId: a.id, kind: 'budget', until: new Date('2027-01-01T00:00:00Z'), reason: 'over budget' });
    await placeHold(h.host.ctx.db, { agentId: b.id, kind: 'usage_window', until: new Date('2026-12-31T23:30:00Z'), reason: 'five_hour' });
    expect((await h.call('agents.get', { agent: 'a' })).status).toBe('paused');
    expect((await h.call('agents.get', { agent: 'b' })).status).toBe('idle');
    expect((await h.call('agents.wake', { agent: 'a' })).reason).toContain('paused');

    at = Date.parse('2026-12-31T23:31:00Z');
    await timer.release();
    expect(released).toBe(1);
    expect(await holdOf(h.host.ctx.db, b.id)).toBeNull();
    expect((await holdOf(h.host.ctx.db, a.id))?.kind).toBe('budget');

    at = Date.parse('2027-01-01T00:00:01Z');
    await timer.release();
    expect(await holdOf(h.host.ctx.db, a.id)).toBeNull();
    expect((await h.call('agents.get', { agent: 'a' })).status).toBe('idle');
    expect(released).toBe(2);
  });

  it('arms one timer at the earliest deadline, which fires on its own', async () => {
    const h = (t = await startTestHost(kind, { startScheduler: false }));
    const a = await h.call('agents.create', { name: 'a', adapterType: 'process', command: 'true' });
    let released = 0;
    timer = new HoldTimer(h.host.ctx, () => void released++);
    await placeHold(h.host.ctx.db, { agentId: a.id, kind: 'usage_window', until: new Date(Date.now() + 1500), reason: 'soon' });
    await timer.arm();
    await waitFor(() => released > 0, 20_000, 'the hold timer');
    expect(await holdOf(h.host.ctx.db, a.id)).toBeNull();
  });
});
