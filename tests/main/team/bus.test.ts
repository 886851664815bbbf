// Team mode's plumbing with real hosts in this process: machines and their leases, events
// between hosts over LISTEN/NOTIFY (large ones through bus_events), in order, surviving a
// killed listener connection. On PGlite there is one machine and the in-process bus.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../src/shared/events';
import { startTestHost, waitFor, type TestHost } from '../../helpers/host';
import { describeEachStore, makeStoreTarget, pgUrl, tempDir } from '../../helpers/stores';

describeEachStore('team mode: machines and live events', (kind) => {
  const hosts: TestHost[] = [];
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.stop().catch(() => undefined);
    for (const c of cleanups.splice(0)) c();
  });

  /** Two hosts on one database, each with its own data folder and machine id. */
  async function twoHosts(leaseMs = 1500): Promise<[TestHost, TestHost]> {
    const target = await makeStoreTarget(kind);
    cleanups.push(target.cleanup);
    const one = await startTestHost(kind, { machineId: 'm1', machineLeaseMs: leaseMs, startScheduler: false }, target);
    hosts.push(one);
    const otherDir = tempDir();
    cleanups.push(otherDir.cleanup);
    const two = await startTestHost(kind, { machineId: 'm2', machineLeaseMs: leaseMs, startScheduler: false }, { ...target, dataDir: otherDir.dir });
    hosts.push(two);
    return [one, two];
  }

  if (kind === 'pglite') {
    it('registers its one machine and puts new agents on it', async () => {
      const target = await makeStoreTarget(kind);
      cleanups.push(target.cleanup);
      const host = await startTestHost(kind, { machineId: 'solo', machineName: 'my laptop' }, target);
      hosts.push(host);
      const machines = await host.call('machines.list', {});
      expect(machines.map((m) => [m.id, m.name, m.online, m.self])).toEqual([['solo', 'my laptop', true, true]]);
      const agent = await host.call('agents.create', { name: 'a', adapterType: 'process', command: 'true' });
      expect([agent.machineId, agent.machine, agent.machineOnline]).toEqual(['solo', 'my laptop', true]);
      expect((await host.call('host.status', {})).machineName).toBe('my laptop');
    });
    return;
  }

  it("shows one host's events to the other's subscribers, large ones through bus_events, in order", async () => {
    const [one, two] = await twoHosts();
    const agent = await one.call('agents.create', { name: 'writer', adapterType: 'process', command: 'true' });
    await waitFor(() => two.events.some((e) => e.event === 'agent.updated' && e.data.id === agent.id), 10_000, 'agent.updated on host two');

    const body = 'x'.repeat(60_000);
    const big = await one.call('issues.create', { title: 'big', body });
    const seenBig = await waitFor(
      () => two.events.find((e): e is Extract<HostEvent, { event: 'issue.updated' }> => e.event === 'issue.updated' && e.data.id === big.id),
      10_000,
      'the large issue on host two',
    );
    expect(seenBig.data.body).toBe(body);

    for (let i = 0; i < 40; i++) await one.call('issues.comment', { issue: big.identifier, body: `comment ${i}` });
    const comments = await waitFor(
      () => {
        const got = two.events.filter((e) => e.event === 'comment.added').map((e) => (e.data as { body: string }).body);
        return got.length >= 40 ? got : null;
      },
      15_000,
      '40 comments on host two',
    );
    expect(comments).toEqual(Array.from({ length: 40 }, (_, i) => `comment ${i}`));
    // Nothing comes back to its sender: host one saw each of its own events once.
    expect(one.events.filter((e) => e.event === 'comment.added')).toHaveLength(40);
  });

  it('keeps events flowing after its listener connection is killed', async () => {
    const [one, two] = await twoHosts();
    const admin = new pg.Client({ connectionString: one.target.databaseUrl });
    await admin.connect();
    try {
      const killed = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'LISTEN%' and pid <> pg_backend_pid()`,
      );
      expect(killed.rowCount).toBe(2);
      const issue = await waitFor(
        async () => {
          // Issue after issue until one arrives: the listener is back once it does.
          const made = await one.call('issues.create', { title: 'after the kill' });
          await new Promise((r) => setTimeout(r, 300));
          return two.events.some((e) => e.event === 'issue.updated' && e.data.id === made.id) ? made : null;
        },
        20_000,
        'an issue to reach host two after its listener was killed',
      );
      expect(issue.title).toBe('after the kill');
    } finally {
      await admin.end();
    }
  });

  it('shows a machine offline to the others once it stops, and refuses to wake its agents', async () => {
    const [one, two] = await twoHosts();
    const agent = await one.call('agents.create', { name: 'far', adapterType: 'process', command: 'true' });
    expect((await two.call('machines.list', {})).map((m) => [m.id, m.online, m.self])).toEqual([
      ['m1', true, false],
      ['m2', true, true],
    ]);
    await one.stop();
    hosts.splice(hosts.indexOf(one), 1);
    const machines = await two.call('machines.list', {});
    expect(machines.find((m) => m.id === 'm1')).toMatchObject({ online: false });
    expect((await two.call('agents.get', { agent: agent.id })).machineOnline).toBe(false);
    await expect(two.call('agents.wake', { agent: 'far' })).rejects.toMatchObject({ code: 'machine_offline', message: expect.stringMatching(/machine "m1" is offline/) });
    await waitFor(() => two.events.some((e) => e.event === 'machine.updated' && e.data.id === 'm1' && !e.data.online), 10_000, 'machine.updated on host two');
  });
});

// Timers of several machines: PostgreSQL only (a PGlite folder has one host).
(pgUrl() ? describe : describe.skip)('team mode: timers [postgres]', () => {
  const kind = 'postgres' as const;
  const hosts: TestHost[] = [];
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.stop().catch(() => undefined);
    for (const c of cleanups.splice(0)) c();
  });

  it("arms an agent's timer only on its machine, which picks up an agent made elsewhere without a restart", async () => {
    const target = await makeStoreTarget(kind);
    cleanups.push(target.cleanup);
    const one = await startTestHost(kind, { machineId: 'm1' }, target);
    hosts.push(one);
    const otherDir = tempDir();
    cleanups.push(otherDir.cleanup);
    const two = await startTestHost(kind, { machineId: 'm2' }, { ...target, dataDir: otherDir.dir });
    hosts.push(two);
    // Made on m2 for m1: m1 hears of it (agent.updated) and arms its timer; m2 never does.
    const agent = await two.call('agents.create', { name: 'ticker', adapterType: 'process', command: 'true', heartbeatIntervalSec: 1, machine: 'm1' });
    const timerRuns = async () => (await two.call('runs.list', { agent: agent.id, limit: 100 })).items.filter((r) => r.invocationSource === 'timer');
    const first = await waitFor(async () => (await timerRuns()).find((r) => r.status === 'succeeded'), 20_000, 'a timer run of the agent');
    expect(first.machineId).toBe('m1');
    // m1 stops: nobody wakes its agent's timer any more (m2 would have, before timers were per machine).
    await one.stop();
    hosts.splice(hosts.indexOf(one), 1);
    const after = (await timerRuns()).length;
    await new Promise((r) => setTimeout(r, 3500));
    expect((await timerRuns()).length).toBe(after);
  });
});

describe('team mode: machine ids', () => {
  it('a machine id is the one given, else one per machine', async () => {
    const { machineId } = await import('../../../src/node/process/identity');
    expect(machineId()).toMatch(/^.+-[0-9a-f]{12}$/);
  });
});
