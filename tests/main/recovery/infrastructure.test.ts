// A run that failed only because the disk was full is not the agent's failure: its issue's retry
// is not spent, nothing escalates, no run is queued while the disk stays full, the person is told
// once in words with the folder and the fix, and once space is freed the issue's run is queued
// again by itself and succeeds. On a real 1 MiB tmpfs as the data folder's logs/ (root only:
// mounting needs it; CI runs as root).
import { mkdirSync, mkdtempSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { heartbeatRuns, issues } from '../../../src/main/db/schema';
import { mountSmallFs, type SmallFs } from '../../helpers/small-fs';
import { waitFor } from '../../helpers/host';
import { ptyHostHarness, removeDir, type PtyHostHarness } from '../../helpers/ptyhost-host';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('the full-disk hold test is skipped: mounting a small tmpfs needs root (CI runs as root)');

const open: PtyHostHarness[] = [];
let small: SmallFs | null = null;
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close();
    removeDir(h.dataDir);
  }
  small?.unmount();
  small = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)('infrastructure failures are not the agent\'s', () => {
  it('holds an issue whose run failed on a full disk, spends no retry, and queues it again once space is freed', async () => {
    small = mountSmallFs(1 << 20);
    if (!small) throw new Error('mounting a tmpfs failed as root');
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-infra-'));
    mkdirSync(dataDir, { recursive: true });
    symlinkSync(small.dir, join(dataDir, 'logs'));
    // Fill it: every write of a run's log fails with ENOSPC.
    const filler = join(small.dir, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(2 << 20));
    } catch {
      // ENOSPC is the point: the file holds what fitted
    }
    // Agents in this process's ptys: the run log is written here, on the small filesystem.
    const h = await ptyHostHarness({ ptyHost: undefined }, dataDir);
    open.push(h);
    const agent = await h.call('agents.create', { name: 'printer', adapterType: 'process', command: 'head -c 100000 /dev/zero | tr "\\0" x; echo; echo printed' });
    const issue = await h.call('issues.create', { title: 'print', assignee: agent.id });
    const runsOf = () => h.host.ctx.db.select().from(heartbeatRuns).where(eq(heartbeatRuns.issueId, issue.id as string));

    const first = await waitFor(async () => (await runsOf()).find((r) => r.status === 'failed'), 60_000, 'the run to fail on the full disk');
    expect(first.errorCode).toBe('log_write_failed');
    // While the disk stays full: nothing queued, nothing escalated (before, a continuation was
    // queued at once, failed the same way, and the issue was blocked for the agent).
    await sleep(4000);
    expect((await runsOf()).map((r) => r.status)).toEqual(['failed']);
    const [held] = await h.host.ctx.db.select().from(issues).where(eq(issues.id, issue.id as string));
    expect(held.status).not.toBe('blocked');
    const told = h.notices.filter((n) => n.includes('is full: free space there'));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain(join(dataDir, 'logs'));

    unlinkSync(filler);
    const next = await waitFor(async () => (await runsOf()).find((r) => r.id !== first.id && r.status === 'succeeded'), 90_000, 'the issue to be queued again and succeed');
    // A fresh run: no retry of the agent's was spent on the machine's failure.
    expect(next.contextSnapshot.retryReason ?? null).toBeNull();
    expect(next.retryOfRunId).toBeNull();
    expect((await runsOf()).length).toBe(2);
  }, 180_000);
});
