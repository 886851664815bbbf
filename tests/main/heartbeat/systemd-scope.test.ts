// Containment's second way: where cgroup2 is not directly writable, each run gets a transient
// systemd user scope and is ended through it. This machine has no systemd user manager, so a
// stand-in systemd-run/systemctl (tests/fixtures/systemd) records every call and really moves the
// run into a cgroup under /sys/fs/cgroup/unified: the escapes a cancel and a crash must end are real.
// Root only: the stand-in makes cgroups (CI runs as root).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/cli/doctor';
import { ROOT } from '../../helpers/serve';
import { waitFor } from '../../helpers/host';
import { processAlive, ptyHostHarness, type PtyHostHarness } from '../../helpers/ptyhost-host';
import { crashWithPtyHost, escapeCases, expectContainmentSaidOnce, sleepers } from '../../helpers/escapes';
import { systemdStandIn, UNIFIED, type SystemdStandIn } from '../../fixtures/systemd/stand-in';

const canRun = process.getuid?.() === 0 && existsSync(join(UNIFIED, 'cgroup.procs'));
if (!canRun) console.log(`systemd scope tests skipped: ${process.getuid?.() === 0 ? `no cgroup2 at ${UNIFIED}` : 'the stand-in systemd makes cgroups, which needs root (CI runs as root)'}`);

let fake: SystemdStandIn | null = null;
const { open, startEscaping } = escapeCases({
  after: () => {
    fake?.remove();
    fake = null;
  },
});

/** A host on a machine where cgroup2 is not used directly, with the stand-in first on PATH. */
async function scopedHarness(dataDir?: string): Promise<PtyHostHarness> {
  fake ??= systemdStandIn();
  const h = await ptyHostHarness({ containmentProbe: { directCgroup: false, path: `${fake.binDir}:${process.env.PATH}` } }, dataDir);
  return h;
}

const scopeOf = (calls: string[], runId: string) => calls.find((c) => c.startsWith('systemd-run ') && c.includes(`run-${runId}.scope`));

describe.skipIf(!canRun)('a systemd user scope per run, where cgroup2 is not directly writable', () => {
  it('says the mode once in host.log and in vigil doctor, with no banner', async () => {
    const h = await scopedHarness();
    open.push(h);
    expectContainmentSaidOnce(h, 'systemd scope.');
    const findings = await runDoctor({ dataDir: h.dataDir, env: { ...process.env, PATH: `${fake!.binDir}:${process.env.PATH}` }, installRoot: ROOT, containmentProbe: { directCgroup: false } });
    expect(findings.find((f) => f.id === 'containment')?.detail).toMatch(/^systemd scope\. /);
  }, 120_000);

  it('runs each run in its own scope, and a cancel ends every process of it through the scope', async () => {
    const h = await scopedHarness();
    open.push(h);
    const { runId, pids } = await startEscaping(h, 1011);
    const started = scopeOf(fake!.calls(), runId);
    expect(started).toMatch(/^systemd-run --user --scope --quiet --collect --unit=vigil-[0-9a-f]{12}-run-\S+\.scope -- \S+/);
    const unit = /--unit=(\S+)/.exec(started!)![1];
    // Every process of the run, the escapees included, is in the scope's cgroup.
    const inScope = readFileSync(join(fake!.base, unit, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    for (const pid of pids) expect(inScope).toContain(pid);

    expect((await h.call('runs.cancel', { run: runId })).status).toBe('cancelled');
    await waitFor(() => pids.every((p) => !processAlive(p)), 15_000, `every process of the run to be gone (left: ${sleepers(1011).join(', ')})`);
    expect(fake!.calls()).toContain(`systemctl --user kill --signal=SIGKILL ${unit}`);
  }, 120_000);

  it('after the host and its pty host died, the next start empties the run\'s leftover scope and retries it once', async () => {
    const first = await scopedHarness();
    const { runId, pids } = await startEscaping(first, 1012);
    await crashWithPtyHost(first);

    const second = await scopedHarness(first.dataDir);
    open.push(second);
    await waitFor(() => pids.every((p) => !processAlive(p)), 20_000, `every process of the crashed run to be gone (left: ${pids.filter(processAlive).join(', ')})`);
    expect(fake!.calls().some((c) => c.startsWith('systemctl --user list-units'))).toBe(true);
    expect(fake!.calls().some((c) => c.startsWith('systemctl --user kill --signal=SIGKILL') && c.includes(`run-${runId}.scope`))).toBe(true);
    const retries = (await second.runs()).filter((r) => r.retryOfRunId === runId);
    expect(retries).toHaveLength(1);
    await second.call('runs.cancel', { run: retries[0].id }).catch(() => undefined);
  }, 180_000);
});
