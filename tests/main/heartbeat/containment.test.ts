// A cgroup per run, used by the engine: processes that leave the run's session and drop its
// environment (`setsid sh -c 'exec env -i sleep N'`) and a child in the agent's group without the
// cookie end with the run after a cancel, after a timeout, and after a crash of the host and its
// pty host (recovery at the next start empties the run's leftover cgroup); a retry leaves nothing.
// Root only: making cgroups under /sys/fs/cgroup needs it here (CI runs as root).
import { describe, expect, it } from 'vitest';
import { killCgroup } from '../../../src/node/process/cgroup';
import { detectContainment } from '../../../src/node/process/containment';
import { waitFor } from '../../helpers/host';
import { processAlive, ptyHostHarness } from '../../helpers/ptyhost-host';
import { crashWithPtyHost, escapeCases, expectContainmentSaidOnce, sleepers } from '../../helpers/escapes';

const isRoot = process.getuid?.() === 0;
const probe = isRoot ? detectContainment('/tmp/vigil-containment-probe') : null;
const canContain = probe?.kind === 'cgroup2';
if (!canContain) console.log(`containment tests skipped: ${isRoot ? probe!.said : 'they need root to make cgroups (CI runs as root)'}`);

const { open, startEscaping } = escapeCases({
  // The data folder's own cgroup, empty once its runs ended.
  afterClose: async (h) => {
    const c = detectContainment(h.dataDir);
    if (c.kind === 'cgroup2') await killCgroup(c.root);
  },
  after: async () => {
    if (probe?.kind === 'cgroup2') await killCgroup(probe.root);
  },
});

describe.skipIf(!canContain)('a cgroup per run in the engine', () => {
  it('says the containment mode once in host.log, and shows no banner when containment works', async () => {
    const h = await ptyHostHarness();
    open.push(h);
    expectContainmentSaidOnce(h, 'cgroup');
  }, 60_000);

  it('ends every process of a cancelled run, escapees included', async () => {
    const h = await ptyHostHarness();
    open.push(h);
    const { runId, pids } = await startEscaping(h, 1001);
    expect((await h.call('runs.cancel', { run: runId })).status).toBe('cancelled');
    await waitFor(() => pids.every((p) => !processAlive(p)), 10_000, `every process of the run to be gone (left: ${sleepers(1001).join(', ')})`);
  }, 90_000);

  it('ends every process of a timed-out run', async () => {
    const h = await ptyHostHarness();
    open.push(h);
    const { runId, pids } = await startEscaping(h, 1002, 2);
    await h.runTo(runId, 'timed_out', 30_000);
    await waitFor(() => pids.every((p) => !processAlive(p)), 10_000, `every process of the run to be gone (left: ${sleepers(1002).join(', ')})`);
  }, 90_000);

  it('empties a crashed run\'s cgroup at the next start, and its retry leaves nothing either', async () => {
    const first = await ptyHostHarness();
    const { runId, pids } = await startEscaping(first, 1003);
    await crashWithPtyHost(first);

    const second = await ptyHostHarness({}, first.dataDir);
    open.push(second);
    await waitFor(() => pids.every((p) => !processAlive(p)), 20_000, `every process of the crashed run to be gone (left: ${pids.filter(processAlive).join(', ')})`);
    const retries = (await second.runs()).filter((r) => r.retryOfRunId === runId);
    expect(retries).toHaveLength(1);
    const retry = await second.runTo(retries[0].id, 'running');
    const again = await waitFor(() => (sleepers(1003).length >= 3 ? sleepers(1003) : null), 20_000, 'the retry\'s sleepers');
    expect((await second.call('runs.cancel', { run: retry.id as string })).status).toBe('cancelled');
    await waitFor(() => again.every((p) => !processAlive(p)), 10_000, `every process of the retry to be gone (left: ${sleepers(1003).join(', ')})`);
  }, 150_000);
});
