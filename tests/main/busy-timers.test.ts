// issue 26: an idle host (no run queued or live) arms none of its periodic checks; a run arms
// them and its end disarms them again. The recovery sweep, the net for what no event told the
// host, is periodic only while runs are active; while idle it runs once after a change (a run,
// an issue, an agent) and never on a host left alone. Behaviours, not timings: counts of armed
// timers and of sweeps (a slow machine only makes fewer sweeps happen, never more).
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, waitFor, type TestHost } from '../helpers/host';

// Silence checks, the requests sweep, detached runs, the safety pump, the recovery sweep.
const ALL = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts the host's recovery sweeps (each begins with reapOrphanedRuns). */
function countSweeps(h: TestHost): { readonly n: number } {
  const counter = { n: 0 };
  const recovery = h.host.recovery;
  const reap = recovery.reapOrphanedRuns.bind(recovery);
  recovery.reapOrphanedRuns = () => {
    counter.n++;
    return reap();
  };
  return counter;
}

describe('periodic checks only while runs are active', () => {
  let h: TestHost | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('an idle host arms none; a run arms them; its end disarms them (the sweep after one last pass)', async () => {
    h = await startTestHost('pglite', { sweepIntervalMs: 1500 });
    expect(h.host.busy.busy).toBe(false);
    expect(h.host.busy.armed).toBe(0);

    await h.call('agents.create', { name: 'brief', adapterType: 'process', command: 'sleep 1' });
    const w = await h.call('agents.wake', { agent: 'brief' });
    await waitFor(() => h!.host.busy.armed === ALL, 15_000, 'the checks armed while the run is active');
    await waitFor(async () => ['succeeded', 'failed'].includes((await h!.call('runs.get', { run: w.runId! })).status), 20_000, 'the run to end');
    await waitFor(() => h!.host.busy.armed === 0, 15_000, 'the checks disarmed once nothing is active');
    expect(h.host.busy.busy).toBe(false);
  });

  it('an idle host left alone runs no recovery sweep', async () => {
    h = await startTestHost('pglite', { sweepIntervalMs: 200 });
    const sweeps = countSweeps(h);
    expect(h.host.busy.armed).toBe(0);
    // Seven intervals of the sweep: a host that swept while idle would have swept by now.
    await sleep(1400);
    expect(sweeps.n).toBe(0);
    expect(h.host.busy.armed).toBe(0);
  });

  it('a change while idle arms one sweep, which runs once and arms nothing more', async () => {
    h = await startTestHost('pglite', { sweepIntervalMs: 300 });
    const sweeps = countSweeps(h);
    await h.call('agents.create', { name: 'changed', adapterType: 'process', command: 'true' });
    await h.call('issues.create', { title: 'a second change, shared by the same pass' });
    expect(h.host.busy.armed).toBe(1);
    await waitFor(() => sweeps.n === 1 && h!.host.busy.armed === 0, 15_000, 'the one sweep after the changes');
    await sleep(1200); // four intervals more: none follows
    expect(sweeps.n).toBe(1);
    expect(h.host.busy.armed).toBe(0);
  });

  it('stops for good on close', async () => {
    h = await startTestHost('pglite', { sweepIntervalMs: 60_000 });
    await h.call('agents.create', { name: 'long', adapterType: 'process', command: 'sleep 30' });
    await h.call('agents.wake', { agent: 'long' });
    await waitFor(() => h!.host.busy.armed === ALL, 15_000, 'the checks armed');
    await h.stop();
    expect(h.host.busy.armed).toBe(0);
    h = null;
  });
});
