// A pty host with no live process and no host writes the exits it holds where the next host reads
// them, and exits (it no longer lives for ever holding finished sessions); the next host records
// the run with its real exit.
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { livePtyHost } from '../../src/main/ptyhost/launch';
import { exitsPathOf, readExits } from '../../src/node/process/exits-file';
import { ensureBuilt } from '../helpers/serve';
import { waitFor } from '../helpers/host';
import { processAlive, ptyHostHarness, removeDir, type PtyHostHarness } from '../helpers/ptyhost-host';

beforeAll(() => ensureBuilt(), 600_000);

const open: PtyHostHarness[] = [];
afterEach(async () => {
  const dirs = new Set(open.map((h) => h.dataDir));
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs) removeDir(d);
});

it('leaves the exit of an agent that ended with no host connected, exits, and the next host records the run succeeded with exit 0', async () => {
  const first = await ptyHostHarness();
  open.push(first);
  const agent = await first.call('agents.create', { name: 'finisher', adapterType: 'process', command: 'sleep 2; echo finished' });
  const { runId } = (await first.call('agents.wake', { agent: agent.id })) as { runId: string };
  await first.runTo(runId, 'running');
  const ptyHost = livePtyHost(first.dataDir)!;
  // The host goes without recording anything (its connection closes, as when it is SIGKILLed);
  // the agent ends after that, with no host to tell.
  await first.host.close({ keepAgents: true });

  await waitFor(() => !processAlive(ptyHost.pid), 30_000, 'the pty host to exit with only an ended session left');
  const left = readExits(first.dataDir);
  expect(left.map((s) => [s.session, s.exit?.exitCode])).toEqual([[runId, 0]]);

  const second = await ptyHostHarness({}, first.dataDir);
  open.push(second);
  const run = await second.runTo(runId, 'succeeded', 30_000);
  expect(run.exitCode).toBe(0);
  expect(run.lastOutputLine).toBe('finished');
  expect(second.notices.join('\n')).toMatch(/1 run\(s\) that ended meanwhile were recorded with their exit/);
  await waitFor(() => !existsSync(exitsPathOf(first.dataDir)), 10_000, 'the acknowledged exit to be forgotten');
}, 120_000);
