// An agent whose terminal died with its pty host is stopped and retried, never watched headless:
// an agent ignoring SIGHUP outlives a SIGKILLed pty host; it must be gone within a bound, its run
// failed as lost with the pty host named (the machine's failure), and retried once, that retry
// not counted against the agent.
import { expect, it } from 'vitest';
import { livePtyHost } from '../../../src/main/ptyhost/launch';
import { isInfrastructureFailure } from '../../../src/main/infrastructure/failure';
import { waitFor } from '../../helpers/host';
import { processAlive, ptyHostHarnessPerTest } from '../../helpers/ptyhost-host';

const harnesses = ptyHostHarnessPerTest();

it('stops an agent that ignores SIGHUP when its pty host dies, and retries its run once', async () => {
  const h = await harnesses.open();
  const { runId, agentPid } = await h.runningAgent('deaf', "trap '' HUP; while :; do sleep 1; done");
  harnesses.killAfter(agentPid);
  const ptyHost = livePtyHost(h.dataDir)!;

  process.kill(ptyHost.pid, 'SIGKILL');
  await waitFor(() => !processAlive(agentPid), 30_000, `the agent (pid ${agentPid}) to be stopped after its terminal died`);

  const lost = await h.runTo(runId, 'failed');
  expect(lost.errorCode).toBe('process_lost');
  expect(lost.errorCode === 'process_lost' && isInfrastructureFailure({ errorCode: 'process_lost', error: lost.error as string })).toBe(true);
  const retry = await waitFor(async () => (await h.runs()).find((r) => r.retryOfRunId === runId), 20_000, 'the retry of the lost run');
  expect((await h.runs()).filter((r) => r.retryOfRunId === runId)).toHaveLength(1);
  // The machine's retry, not the agent's: a later failure of it still gets the agent's own.
  expect(retry.contextSnapshot.infrastructureRetry).toBe(true);
}, 120_000);
