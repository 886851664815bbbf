// A cgroup per run, used by the engine: processes that leave the run's session and drop its
// environment (`setsid sh -c 'exec env -i sleep N'`) and a child in the agent's group without the
// cookie end with the run after a cancel, after a timeout, and after a crash of the host and its
// pty host (recovery at the next start empties the run's leftover cgroup); a retry leaves nothing.
// Root only: making cgroups under /sys/fs/cgroup needs it here (CI runs as root).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killCgroup } from '../../../src/node/process/cgroup';
import { detectContainment } from '../../../src/node/process/containment';
import { livePtyHost } from '../../../src/main/ptyhost/launch';
import { ensureBuilt } from '../../helpers/serve';
import { waitFor } from '../../helpers/host';
import { processAlive, ptyHostHarness, removeDir, type PtyHostHarness } from '../../helpers/ptyhost-host';

beforeAll(() => ensureBuilt(), 600_000);

const isRoot = process.getuid?.() === 0;
const probe = isRoot ? detectContainment('/tmp/vigil-containment-probe') : null;
const canContain = probe?.kind === 'cgroup2';
if (!canContain) console.log(`containment tests skipped: ${isRoot ? probe!.said : 'they need root to make cgroups (CI runs as root)'}`);

/** Every live `sleep <seconds>`: the marker tells this case's escapees from anything else. */
function sleepers(seconds: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('sleep') && argv[1] === String(seconds) && processAlive(Number(name))) out.push(Number(name));
    } catch {
      // exited while listed
    }
  }
  return out;
}

/** Two escape styles and a plain child: one leaves group, session and environment; one drops only the cookie. */
const escaping = (seconds: number) => `setsid sh -c 'exec env -i sleep ${seconds}' & env -u VIGIL_RUN_ID sleep ${seconds} & sleep ${seconds}`;

const open: PtyHostHarness[] = [];
const leftovers: number[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close();
    // The data folder's own cgroup, empty once its runs ended.
    const c = detectContainment(h.dataDir);
    if (c.kind === 'cgroup2') await killCgroup(c.root);
    removeDir(h.dataDir);
  }
  for (const s of leftovers.splice(0)) for (const pid of sleepers(s)) process.kill(pid, 'SIGKILL');
  if (probe?.kind === 'cgroup2') await killCgroup(probe.root);
});

async function startEscaping(h: PtyHostHarness, seconds: number, timeoutSec?: number) {
  leftovers.push(seconds);
  const agent = await h.call('agents.create', { name: `esc-${seconds}`, adapterType: 'process', command: escaping(seconds), ...(timeoutSec ? { timeoutSec } : {}) });
  const { runId } = (await h.call('agents.wake', { agent: agent.id })) as { runId: string };
  await h.runTo(runId, 'running');
  const pids = await waitFor(() => (sleepers(seconds).length >= 3 ? sleepers(seconds) : null), 20_000, 'the three sleepers to start');
  return { agent, runId, pids };
}

describe.skipIf(!canContain)('a cgroup per run in the engine', () => {
  it('says the containment mode once in host.log, and shows no banner when containment works', async () => {
    const h = await ptyHostHarness();
    open.push(h);
    const said = readFileSync(join(h.dataDir, 'host.log'), 'utf8').split('\n').filter((l) => l.includes('Run containment:'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('Run containment: cgroup');
    // A banner is for a person who must act: containment that works needs nothing of them.
    expect(h.notices.filter((n) => n.includes('Run containment'))).toEqual([]);
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
    // The host goes leaving its agents to the pty host, which is then killed: the host's crash
    // with its pty host, as seen by the next start.
    await first.host.close({ keepAgents: true });
    const ptyHost = livePtyHost(first.dataDir)!;
    process.kill(ptyHost.pid, 'SIGKILL');
    await waitFor(() => !processAlive(ptyHost.pid), 10_000, 'the pty host to die');

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
