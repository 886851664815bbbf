// A pty host that stops answering (SIGSTOP) must not freeze the host: every request has a
// deadline, a cancel is answered at once and the run ends cancelled, the hung pty host is
// declared hung after three missed pings, stopped and replaced, and a new run starts.
import { expect, it } from 'vitest';
import { livePtyHost } from '../../../src/main/ptyhost/launch';
import { waitFor } from '../../helpers/host';
import { processAlive, ptyHostHarnessPerTest } from '../../helpers/ptyhost-host';

const harnesses = ptyHostHarnessPerTest();

it('answers a cancel while the pty host is stopped, replaces the hung pty host, and starts new runs', async () => {
  const h = await harnesses.open();
  const { runId, agentPid } = await h.runningAgent('sleeper', 'sleep 600');
  const hung = livePtyHost(h.dataDir)!;
  expect(hung).not.toBeNull();

  process.kill(hung.pid, 'SIGSTOP');
  harnesses.killAfter(hung.pid);
  const t0 = Date.now();
  const cancelled = await h.call('runs.cancel', { run: runId });
  console.log(`cancel answered in ${Date.now() - t0} ms with the pty host stopped`);
  expect(cancelled.status).toBe('cancelled');
  expect(processAlive(agentPid)).toBe(false);

  // Declared hung after the missed pings, SIGKILLed, and said in words.
  await waitFor(() => !processAlive(hung.pid), 30_000, 'the hung pty host to be stopped');
  await waitFor(() => h.notices.find((n) => /stopped answering/.test(n)), 10_000, 'a notice naming the hung pty host');

  const echo = await h.call('agents.create', { name: 'echo', adapterType: 'process', command: 'echo after-the-hang' });
  const next = (await h.call('agents.wake', { agent: echo.id })) as { runId: string };
  const done = await h.runTo(next.runId, 'succeeded', 60_000);
  expect(done.lastOutputLine).toBe('after-the-hang');
  const replacement = livePtyHost(h.dataDir);
  expect(replacement?.pid).not.toBe(hung.pid);
}, 120_000);
