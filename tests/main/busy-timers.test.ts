// issue 26: an idle host (no run queued or live) arms none of its periodic checks; a run arms
// them and its end disarms them again. A behaviour, not a timing: counts of armed timers.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, waitFor, type TestHost } from '../helpers/host';

// Silence checks, the requests sweep, detached runs, the safety pump. (The recovery sweep is not
// one of them: it stays armed while idle, the net for what no event told the host; host.ts.)
const ALL = 4;

describe('periodic checks only while runs are active', () => {
  let h: TestHost | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('an idle host arms none; a run arms them; its end disarms them', async () => {
    h = await startTestHost('pglite', { sweepIntervalMs: 60_000 });
    expect(h.host.busy.busy).toBe(false);
    expect(h.host.busy.armed).toBe(0);

    await h.call('agents.create', { name: 'brief', adapterType: 'process', command: 'sleep 1' });
    const w = await h.call('agents.wake', { agent: 'brief' });
    await waitFor(() => h!.host.busy.armed === ALL, 15_000, 'the checks armed while the run is active');
    await waitFor(async () => ['succeeded', 'failed'].includes((await h!.call('runs.get', { run: w.runId! })).status), 20_000, 'the run to end');
    await waitFor(() => h!.host.busy.armed === 0, 15_000, 'the checks disarmed once nothing is active');
    expect(h.host.busy.busy).toBe(false);
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
