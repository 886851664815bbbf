// A host (in this process) whose agents run in a real pty host of the built app: for tests that
// stop, kill or hang the pty host under live runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost, type HostInternals } from '../../src/main/host';
import type { HostOptions } from '../../src/main/host-types';
import { heartbeatRuns } from '../../src/main/db/schema';
import { readProcStat } from '../../src/node/process/identity';
import { ROOT } from './serve';
import { waitFor } from './host';

export const PTYHOST_SCRIPT = join(ROOT, 'out', 'main', 'ptyhost.js');

/** Alive and not a zombie. */
export const processAlive = (pid: number): boolean => {
  const st = readProcStat(pid);
  return !!st && st.state !== 'Z';
};

export interface PtyHostHarness {
  dataDir: string;
  host: HostInternals;
  notices: string[];
  call(method: string, params: object): Promise<Record<string, unknown>>;
  runTo(runId: string, status: string, ms?: number): Promise<Record<string, unknown>>;
  runs(): Promise<(typeof heartbeatRuns.$inferSelect)[]>;
  close(): Promise<void>;
}

export async function ptyHostHarness(opts: Partial<HostOptions> = {}, dataDir = mkdtempSync(join(tmpdir(), 'vigil-ptyrel-'))): Promise<PtyHostHarness> {
  const host = (await startHost({
    dataDir,
    sweepIntervalMs: 0,
    backupOnStart: false,
    ptyHost: { runtime: process.execPath, script: PTYHOST_SCRIPT, idleMs: 500, lingerMs: 60_000 },
    ...opts,
  })) as HostInternals;
  const notices: string[] = [...host.info.notices];
  host.events.subscribe((e) => notices.push((e.data as { message: string }).message), { events: ['host.notice'] });
  const call = (method: string, params: object) => host.api.invoke(method as never, params as never) as Promise<Record<string, unknown>>;
  const runTo = (runId: string, status: string, ms = 30_000) =>
    waitFor(async () => {
      const run = await call('runs.get', { run: runId });
      return run.status === status ? run : null;
    }, ms, `run ${runId} ${status}`);
  return {
    dataDir,
    host,
    notices,
    call,
    runTo,
    runs: () => host.ctx.db.select().from(heartbeatRuns),
    close: async () => {
      await host.close().catch(() => undefined);
    },
  };
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
