// A cgroup per run: processes that leave the run's session and drop its environment
// (`setsid sh -c 'exec env -i sleep 1000' &`) and a child in the agent's group without the cookie
// end with the run, on cancel (killCgroup) and after a crash (sweepRunCgroups at recovery).
// Root only: making cgroups under /sys/fs/cgroup needs it here (CI runs as root).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroup2MountOf, cgroupPids, createRunCgroup, killCgroup, ownCgroupOf, sweepRunCgroups } from '../../../src/node/process/cgroup';
import { detectContainment } from '../../../src/node/process/containment';
import { readProcStat } from '../../../src/node/process/identity';
import { spawnInPty, type RunProcess } from '../../../src/node/process/pty';

const isRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  const st = readProcStat(pid);
  return !!st && st.state !== 'Z';
};

const cleanups: (() => void | Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('cgroup detection', () => {
  it('reads the cgroup2 mount from mountinfo and the own cgroup from /proc/self/cgroup', () => {
    const mountinfo = '30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n';
    expect(cgroup2MountOf(mountinfo)).toBe('/sys/fs/cgroup/unified');
    expect(cgroup2MountOf('30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n')).toBeNull();
    expect(ownCgroupOf('9:name=systemd:/\n0::/user.slice/user-1000.slice/session-2.scope\n')).toBe('/user.slice/user-1000.slice/session-2.scope');
    expect(ownCgroupOf('9:name=systemd:/\n')).toBeNull();
  });

  it('says why runs are not contained when cgroup2 is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'mountinfo'), '30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n');
    writeFileSync(join(dir, 'cgroup'), '9:name=systemd:/\n');
    const c = detectContainment(dir, { mountinfo: join(dir, 'mountinfo'), cgroup: join(dir, 'cgroup'), path: dir });
    expect(c.kind).toBe('none');
    expect(c.said).toMatch(/^Run containment: process rules \(cgroup2 is not mounted; there is no systemd user manager \(systemd-run and systemctl are not on PATH\)\): processes are found by their group, session and the run's cookie\. What is lost: /);
  });
});

const ESCAPES = "setsid sh -c 'exec env -i sleep 1000' & env -u VIGIL_RUN_ID sleep 1000 & sleep 1000";

async function startEscapingRun(runId: string): Promise<{ path: string; run: RunProcess; pids: number[]; root: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cg-data-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const c = detectContainment(dataDir);
  if (c.kind !== 'cgroup2') throw new Error(`no cgroup2 containment as root: ${c.said}`);
  cleanups.push(() => killCgroup(c.root).then(() => undefined));
  const path = createRunCgroup(c.root, runId);
  cleanups.push(() => killCgroup(path).then(() => undefined));
  const run = spawnInPty({ file: 'sh', args: ['-c', ESCAPES], cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VIGIL_RUN_ID: runId }, cgroup: path });
  run.onData(() => undefined);
  const deadline = Date.now() + 20_000;
  const escapedOf = (ps: number[]) => ps.filter((p) => readProcStat(p)?.sid !== run.sid);
  while ((cgroupPids(path).length < 4 || escapedOf(cgroupPids(path)).length === 0) && Date.now() < deadline) await sleep(50);
  const pids = cgroupPids(path);
  expect(pids.length, 'the agent and its three sleeps are in the run cgroup').toBeGreaterThanOrEqual(4);
  // The escapee left the agent's session: group/session rules alone would miss it.
  expect(escapedOf(pids).length, 'one process left the run session').toBeGreaterThanOrEqual(1);
  return { path, run, pids, root: c.root };
}

describe.skipIf(!isRoot)('a run in its cgroup (root: cgroups under /sys/fs/cgroup need it)', () => {
  it('cancel: cgroup.kill ends the agent, the setsid escapee and the child without the cookie', async () => {
    const { path, pids } = await startEscapingRun('cancel-1');
    expect(await killCgroup(path)).toBe(true);
    await sleep(100);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it('after a crash: the leftover cgroup of a run no host holds is found and emptied', async () => {
    const { root, pids } = await startEscapingRun('crashed-1');
    // The host that held the run is gone: recovery knows no live run.
    const swept = await sweepRunCgroups(root, new Set());
    expect(swept.map((s) => s.runId)).toEqual(['crashed-1']);
    await sleep(100);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);
});

if (!isRoot) {
  it('skips the cgroup runs: not root (making cgroups under /sys/fs/cgroup needs root; CI runs as root)', () => undefined);
}
