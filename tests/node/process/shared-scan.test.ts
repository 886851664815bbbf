// The shared, asynchronous process-table scan: concurrent callers share one read, nobody gets a
// table read before they asked, and a failed read is not kept.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { snapshotProcesses } from '../../../src/node/process/process-table';
import { createSharedScan, sharedProcessTable } from '../../../src/node/process/shared-scan';

/** A scan whose reads finish when the test says so; counts the reads. */
function controlledScan() {
  let clock = 0;
  const reads: { startedAt: number; finish: (value: string) => void; fail: (err: Error) => void }[] = [];
  const scan = createSharedScan(
    () =>
      new Promise<string>((resolve, reject) => {
        reads.push({ startedAt: clock, finish: resolve, fail: reject });
      }),
    () => clock,
  );
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { scan, reads, tick, advance: (ms: number) => (clock += ms) };
}

describe('createSharedScan', () => {
  it('answers callers that ask in the same turn with one read', async () => {
    const { scan, reads, tick } = controlledScan();
    const answers = [scan(), scan(), scan()];
    await tick();
    expect(reads).toHaveLength(1);
    reads[0].finish('table-1');
    expect(await Promise.all(answers)).toEqual(['table-1', 'table-1', 'table-1']);
  });

  it('gives callers that arrive during a read the next one, shared, started after they asked', async () => {
    const { scan, reads, tick, advance } = controlledScan();
    const first = scan();
    await tick();
    advance(10);
    const late = [scan(), scan()];
    await tick();
    expect(reads).toHaveLength(1); // the next read waits for the running one
    reads[0].finish('old');
    expect(await first).toBe('old');
    await tick();
    expect(reads).toHaveLength(2);
    expect(reads[1].startedAt).toBeGreaterThanOrEqual(10);
    reads[1].finish('new');
    expect(await Promise.all(late)).toEqual(['new', 'new']);
  });

  it('serves a caller that names an earlier moment from a read already done since then', async () => {
    const { scan, reads, tick, advance } = controlledScan();
    advance(5);
    const first = scan();
    await tick();
    reads[0].finish('t5');
    await first;
    advance(3);
    expect(await scan({ startedAfter: 5 })).toBe('t5');
    const fresh = scan(); // the default: a read started after this call
    await tick();
    expect(reads).toHaveLength(2);
    reads[1].finish('t8');
    expect(await fresh).toBe('t8');
  });

  it('does not keep a failed read: its callers get the error, the next caller a new read', async () => {
    const { scan, reads, tick } = controlledScan();
    const failing = [scan(), scan()];
    await tick();
    reads[0].fail(new Error('EMFILE'));
    for (const p of failing) await expect(p).rejects.toThrow('EMFILE');
    const again = scan({ startedAfter: -1 });
    await tick();
    expect(reads).toHaveLength(2);
    reads[1].finish('ok');
    expect(await again).toBe('ok');
  });
});

describe('sharedProcessTable (the real /proc scan, asynchronous)', () => {
  it('finds what the synchronous scan finds: this process, and a child by its run cookie', async () => {
    const child = spawn('sleep', ['30'], { env: { ...process.env, VIGIL_RUN_ID: 'shared-scan-run' }, stdio: 'ignore' });
    try {
      await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
      const [table, again] = await Promise.all([sharedProcessTable(), sharedProcessTable()]);
      expect(again).toBe(table); // one read for both
      const sync = snapshotProcesses();
      expect(table.get(process.pid)).toEqual(sync.get(process.pid));
      expect(table.runProcesses({ runId: 'shared-scan-run' }).map((p) => p.pid)).toEqual([child.pid]);
      expect(table.get(child.pid!)?.startId).toBe(sync.get(child.pid!)?.startId);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('lets the event loop turn while it reads: other work runs before the table is done', async () => {
    // Enough processes for several slices, however few this machine (or container) shows.
    const children = Array.from({ length: 80 }, () => spawn('sleep', ['30'], { stdio: 'ignore' }));
    try {
      await Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('spawn', () => resolve()))));
      const order: string[] = [];
      const table = sharedProcessTable().then((t) => {
        order.push('table');
        return t;
      });
      setImmediate(() => order.push('other work'));
      const found = await table;
      expect(order).toEqual(['other work', 'table']);
      for (const c of children) expect(found.get(c.pid!)).toBeDefined();
    } finally {
      for (const c of children) c.kill('SIGKILL');
    }
  });
});
