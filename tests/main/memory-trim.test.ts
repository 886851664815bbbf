// issue 26: the host gives the C heap's free pages back when it becomes idle: once its start-up
// backup is done, and each time its last active run ends. Never on a timer. The addon itself is
// built by `npm ci` (scripts/build-native.mjs) and trims for real here (Linux, glibc).
import { afterEach, describe, expect, it, vi } from 'vitest';

const trims = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../src/main/memory-trim', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/main/memory-trim')>();
  return {
    ...real,
    trimFreedMemory: () => {
      trims.n++;
      return real.trimFreedMemory();
    },
  };
});

const { trimFreedMemory } = await import('../../src/main/memory-trim');
const { startTestHost, waitFor } = await import('../helpers/host');
type TestHost = Awaited<ReturnType<typeof startTestHost>>;

describe('the C heap trimmed on the way into idle', () => {
  let h: TestHost | null = null;
  afterEach(async () => {
    await h?.stop();
    h?.target.cleanup();
    h = null;
  });

  it('is done by the native addon npm ci builds (glibc malloc_trim)', () => {
    // Not glibc or no addon: null (nothing trimmed). This machine is Linux with glibc.
    expect(process.platform).toBe('linux');
    expect(typeof trimFreedMemory()).toBe('boolean');
  });

  it('once after the start-up backup, once after the last run ends, and not while nothing happens', async () => {
    trims.n = 0;
    h = await startTestHost('pglite', { backupOnStart: true });
    await waitFor(() => trims.n === 1, 60_000, 'the trim at the end of start-up (after its backup)');

    await h.call('agents.create', { name: 'brief', adapterType: 'process', command: 'true' });
    const w = await h.call('agents.wake', { agent: 'brief' });
    await waitFor(async () => ['succeeded', 'failed'].includes((await h!.call('runs.get', { run: w.runId! })).status), 20_000, 'the run to end');
    await waitFor(() => trims.n === 2, 15_000, 'the trim once the host is idle again');
    await new Promise((r) => setTimeout(r, 500));
    expect(trims.n).toBe(2);
  });
});
