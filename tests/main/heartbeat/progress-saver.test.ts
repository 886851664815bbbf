// issue 26: the running runs' progress is saved together, once a second, by one timer that runs
// only while a run is live (each run had its own timer and two statements a second).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunProgress } from '../../../src/main/heartbeat/run-state';
import type { RunRow } from '../../../src/main/views/dto';

const recorded = vi.hoisted(() => ({ calls: [] as RunProgress[][] }));
vi.mock('../../../src/main/heartbeat/run-state', () => ({
  recordProgress: async (_db: unknown, progress: RunProgress[]) => {
    recorded.calls.push(progress);
    return progress.map((p) => ({ id: p.runId, lastOutputLine: p.line }) as unknown as RunRow);
  },
}));

const { ProgressSaver } = await import('../../../src/main/heartbeat/progress-saver');

const source = (progress: RunProgress | null) => ({ progressToSave: vi.fn(async () => progress) });

describe('ProgressSaver', () => {
  afterEach(() => {
    vi.useRealTimers();
    recorded.calls = [];
  });

  it("saves every live run's new progress in one statement a second and tells of the rows once", async () => {
    vi.useFakeTimers();
    const told: string[][] = [];
    const saver = new ProgressSaver({} as never, async (rows) => void told.push(rows.map((r) => r.id)));
    const a = source({ runId: 'a', line: 'compiling', through: 10 });
    const b = source(null); // nothing new
    const c = source({ runId: 'c', line: 'testing', through: 20 });
    for (const s of [a, b, c]) saver.add(s);
    await vi.advanceTimersByTimeAsync(999);
    expect(recorded.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(recorded.calls).toEqual([
      [
        { runId: 'a', line: 'compiling', through: 10 },
        { runId: 'c', line: 'testing', through: 20 },
      ],
    ]);
    expect(told).toEqual([['a', 'c']]);
    expect(b.progressToSave).toHaveBeenCalledTimes(1);
    saver.close();
  });

  it('runs a timer only while a run is live, and no statement when nothing is new', async () => {
    vi.useFakeTimers();
    const saver = new ProgressSaver({} as never, async () => undefined);
    expect(vi.getTimerCount()).toBe(0);
    const a = source(null);
    const b = source(null);
    saver.add(a);
    saver.add(b);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(a.progressToSave).toHaveBeenCalledTimes(3);
    expect(recorded.calls).toEqual([]);
    saver.delete(a);
    expect(vi.getTimerCount()).toBe(1);
    saver.delete(b);
    saver.delete(b); // said twice (ended, then released): harmless
    expect(vi.getTimerCount()).toBe(0);
  });
});
