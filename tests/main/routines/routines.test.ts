// Routines under a fake clock: a due time fires once; a host down across two due times fires
// once at start (the next due time is computed from now); two hosts on one PostgreSQL fire once
// between them; a clock that jumps fires at most once. Each firing is an issue assigned to the agent.
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openStore, type Store } from '../../../src/main/db/client';
import { agents, issues, routines } from '../../../src/main/db/schema';
import { EventBus } from '../../../src/main/event-bus';
import { RoutineScheduler } from '../../../src/main/routines/scheduler';
import type { ServiceContext } from '../../../src/main/context';
import { routineHandlers } from '../../../src/main/services/routines';
import { describeEachStore, pgUrl } from '../../helpers/stores';
import { startTestHost, type TestHost } from '../../helpers/host';

/** A clock the test moves by hand. */
function fakeClock(start: string) {
  let at = new Date(start).getTime();
  return { now: () => new Date(at), set: (iso: string) => (at = new Date(iso).getTime()) };
}

// Monday 7 December 2099; 09:00 in Paris is 08:00 UTC. Far ahead of the real clock on purpose:
// the test host runs its own routine timer on the real clock (re-armed when agents change), and a
// due time already past in real time was its to fire, racing the schedulers under test (these
// dates were 7 December 2026, and on that day a run saw none of them fire).
const WEEKDAYS_9 = { cron: '0 9 * * 1-5', timezone: 'Europe/Paris' };

describeEachStore('routines', (kind) => {
  let t: TestHost | null = null;
  const schedulers: RoutineScheduler[] = [];
  afterEach(async () => {
    for (const s of schedulers.splice(0)) s.stop();
    await t?.stop();
    t?.target.cleanup();
    t = null;
  });

  const setup = async (clock: ReturnType<typeof fakeClock>) => {
    const h = (t = await startTestHost(kind, { startScheduler: false }));
    await h.call('agents.create', { name: 'triage', adapterType: 'process', command: 'true' });
    const handlers = routineHandlers(h.host.ctx, () => undefined, clock.now);
    const routine = await handlers['routines.create']({ agent: 'triage', title: 'Triage new bugs', body: 'Look at the new ones', ...WEEKDAYS_9 });
    const woken: string[] = [];
    const scheduler = (ctx: ServiceContext = h.host.ctx) => {
      const s = new RoutineScheduler(ctx, { now: clock.now, onFired: async (f) => void woken.push(f.issueId) });
      schedulers.push(s);
      return s;
    };
    const issuesMade = async () => h.host.ctx.db.select().from(issues).where(eq(issues.title, 'Triage new bugs'));
    return { h, handlers, routine, scheduler, woken, issuesMade };
  };

  it('a due time fires once, with an issue assigned to the agent; the next due time is the next weekday', async () => {
    const clock = fakeClock('2099-12-07T07:00:00Z');
    const { h, routine, scheduler, woken, issuesMade } = await setup(clock);
    expect(routine.nextDueAt).toBe('2099-12-07T08:00:00.000Z');
    const s = scheduler();
    expect(await s.arm()).toEqual([]);
    clock.set('2099-12-07T08:00:01Z');
    expect((await s.fireDue()).length).toBe(1);
    expect((await s.fireDue()).length).toBe(0);
    expect((await s.arm()).length).toBe(0);
    const made = await issuesMade();
    expect(made).toHaveLength(1);
    const agent = await h.call('agents.get', { agent: 'triage' });
    expect([made[0].assigneeAgentId, made[0].body, made[0].status]).toEqual([agent.id, 'Look at the new ones', 'todo']);
    expect(woken).toEqual([made[0].id]);
    const [after] = await h.host.ctx.db.select().from(routines).where(eq(routines.id, routine.id));
    expect(after.nextDueAt?.toISOString()).toBe('2099-12-08T08:00:00.000Z');
  });

  it('a host down across two due times fires once at start, and the clock jumping back and forth fires at most once', async () => {
    const clock = fakeClock('2099-12-07T07:00:00Z');
    const { routine, scheduler, issuesMade, h } = await setup(clock);
    // Down from Monday 07:00 to Tuesday 10:00: Monday's and Tuesday's 09:00 were missed.
    clock.set('2099-12-08T09:00:00Z');
    expect((await scheduler().arm()).length).toBe(1);
    expect(await issuesMade()).toHaveLength(1);
    const [after] = await h.host.ctx.db.select().from(routines).where(eq(routines.id, routine.id));
    expect(after.nextDueAt?.toISOString()).toBe('2099-12-09T08:00:00.000Z');
    // Clock set back an hour, then forward again (a laptop's suspend/resume, NTP): nothing more.
    const again = scheduler();
    clock.set('2099-12-08T08:00:00Z');
    expect((await again.fireDue()).length).toBe(0);
    clock.set('2099-12-08T09:30:00Z');
    expect((await again.fireDue()).length).toBe(0);
    expect(await issuesMade()).toHaveLength(1);
  });

  it('pause stops firing; resume computes the next due time from now (no backlog); bad cron and zones are refused in words', async () => {
    const clock = fakeClock('2099-12-07T07:00:00Z');
    const { routine, handlers, scheduler, issuesMade } = await setup(clock);
    const paused = await handlers['routines.pause']({ routine: routine.id });
    expect([paused.enabled, paused.nextDueAt]).toEqual([false, null]);
    clock.set('2099-12-09T12:00:00Z');
    expect((await scheduler().arm()).length).toBe(0);
    const resumed = await handlers['routines.resume']({ routine: routine.id });
    expect(resumed.nextDueAt).toBe('2099-12-10T08:00:00.000Z');
    expect(await issuesMade()).toHaveLength(0);
    await expect(handlers['routines.create']({ agent: 'triage', title: 'x', cron: 'every day', timezone: 'UTC' })).rejects.toThrow(/cron/);
    await expect(handlers['routines.create']({ agent: 'triage', title: 'x', cron: '0 9 * * *', timezone: 'Mars/Olympus' })).rejects.toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

// Two hosts sharing one PostgreSQL, each with its own connection pool, racing for the same due time.
const pgDescribe = pgUrl() ? describe : describe.skip;
pgDescribe('routines on one PostgreSQL shared by two hosts', () => {
  let t: TestHost | null = null;
  let second: Store | null = null;
  afterEach(async () => {
    await second?.close();
    await t?.stop();
    t?.target.cleanup();
    t = null;
  });

  it('fire once between them', async () => {
    const clock = fakeClock('2099-12-07T07:00:00Z');
    const h = (t = await startTestHost('postgres', { startScheduler: false }));
    await h.call('agents.create', { name: 'triage', adapterType: 'process', command: 'true' });
    // Adopted by whichever host starts first: both consider it theirs, the database decides.
    await h.host.ctx.db.update(agents).set({ machineId: null });
    await routineHandlers(h.host.ctx, () => undefined, clock.now)['routines.create']({ agent: 'triage', title: 'Shared', ...WEEKDAYS_9 });
    second = await openStore({ databaseUrl: h.target.databaseUrl });
    const ctx2: ServiceContext = { ...h.host.ctx, db: second.db, events: new EventBus(), machineId: 'other-machine' };
    const fired: string[] = [];
    const a = new RoutineScheduler(h.host.ctx, { now: clock.now, onFired: async (f) => void fired.push(`a:${f.issueId}`) });
    const b = new RoutineScheduler(ctx2, { now: clock.now, onFired: async (f) => void fired.push(`b:${f.issueId}`) });
    clock.set('2099-12-07T08:00:05Z');
    for (let round = 0; round < 5; round++) await Promise.all([a.fireDue(), b.fireDue(), a.fireDue(), b.fireDue()]);
    a.stop();
    b.stop();
    expect(fired).toHaveLength(1);
    const made = await h.host.ctx.db.select().from(issues).where(eq(issues.title, 'Shared'));
    expect(made).toHaveLength(1);
  });
});
