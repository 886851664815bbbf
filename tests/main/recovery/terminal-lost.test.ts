// An agent whose terminal died with its pty host is stopped and retried, never watched headless:
// an agent ignoring SIGHUP outlives a SIGKILLed pty host; it must be gone within a bound, its run
// failed as lost with the pty host named (the machine's failure), and retried once, that retry
// not counted against the agent. The same when the host died with its pty host: the next start
// finds the agent alive with no terminal and stops and retries it (not `process_detached`).
import { expect, it } from 'vitest';
import type { RunDto } from '../../../src/shared/contract';
import { servePerTest, startServe, tempDataDir, vigilJson } from '../../helpers/serve';
import { livePtyHost } from '../../../src/main/ptyhost/launch';
import { isInfrastructureFailure } from '../../../src/main/infrastructure/failure';
import { waitFor } from '../../helpers/host';
import { processAlive, ptyHostHarnessPerTest } from '../../helpers/ptyhost-host';

const harnesses = ptyHostHarnessPerTest();
const serving = servePerTest();

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

it('stops and retries an agent that ignores SIGHUP when the host and its pty host were both SIGKILLed', async () => {
  const data = (serving.data = tempDataDir());
  const cli = (...args: string[]) => vigilJson(data.dir, ...args);
  const listRuns = async (): Promise<RunDto[]> => {
    const runs = (await cli('run', 'list', '--agent', 'deaf')) as RunDto[] | { items: RunDto[] };
    return Array.isArray(runs) ? runs : runs.items;
  };
  const first = await startServe({ dataDir: data.dir, detached: true });
  await cli('agent', 'add', 'deaf', '--adapter', 'process', '--command', "trap '' HUP; while :; do sleep 1; done");
  const issue = await cli('issue', 'create', 'work that outlives its terminal', '--assign', 'deaf');
  const running = await waitFor(async () => (await listRuns()).find((r) => r.status === 'running' && r.processPid), 60_000, 'the run to be running');
  const agentPid = running.processPid!;
  harnesses.killAfter(agentPid);

  await first.kill(); // the host, then its pty host: both SIGKILLed
  // It ignores SIGHUP: it lives on with no terminal.
  expect(processAlive(agentPid)).toBe(true);

  serving.served = await startServe({ dataDir: data.dir, detached: true });
  await waitFor(() => !processAlive(agentPid), 30_000, `the agent (pid ${agentPid}) to be stopped by the next start`);
  const lost = (await cli('run', 'show', running.id)) as RunDto;
  expect(lost.status).toBe('failed');
  expect(lost.errorCode).toBe('process_lost');
  expect(lost.error).toContain('terminal');
  // The machine's failure: its retry is not the agent's.
  expect(isInfrastructureFailure({ errorCode: 'process_lost', error: lost.error })).toBe(true);
  const retries = await waitFor(async () => {
    const r = (await listRuns()).filter((x) => x.retryOfRunId === running.id);
    return r.length ? r : null;
  }, 20_000, 'the retry of the lost run');
  expect(retries).toHaveLength(1);
  expect((await cli('issue', 'show', issue.identifier)).executionRunId).toBe(retries[0].id);
}, 300_000);
