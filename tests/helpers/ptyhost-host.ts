// A host (in this process) whose agents run in a real pty host of the built app: for tests that
// stop, kill or hang the pty host under live runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost, type HostInternals } from '../../src/main/host';
import type { HostOptions } from '../../src/main/host-types';
import { heartbeatRuns } from '../../src/main/db/schema';
import { readProcStat } from '../../src/node/process/identity';
import { afterEach, beforeAll } from 'vitest';
import { ensureBuilt, ROOT } from './serve';
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
  /** A new process agent running `command`, woken: once its run is running, the run's id and the agent's pid. */
  runningAgent(name: string, command: string): Promise<{ runId: string; agentPid: number }>;
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
    runningAgent: async (name, command) => {
      const agent = await call('agents.create', { name, adapterType: 'process', command });
      const { runId } = (await call('agents.wake', { agent: agent.id })) as { runId: string };
      const running = await runTo(runId, 'running');
      return { runId, agentPid: running.processPid as number };
    },
    close: async () => {
      await host.close().catch(() => undefined);
    },
  };
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/**
 * For a file of pty host tests: builds out/ before them, and after each test SIGKILLs the pids it
 * named (`killAfter`, those that should be gone already), then closes the harnesses it opened and removes their folders.
 */
export function ptyHostHarnessPerTest(): { open(opts?: Partial<HostOptions>): Promise<PtyHostHarness>; killAfter(pid: number): void } {
  const opened: PtyHostHarness[] = [];
  const pids: number[] = [];
  beforeAll(() => ensureBuilt(), 600_000);
  afterEach(async () => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already, as it should be
      }
    }
    for (const h of opened.splice(0)) {
      await h.close();
      removeDir(h.dataDir);
    }
  });
  return {
    open: async (opts) => {
      const h = await ptyHostHarness(opts);
      opened.push(h);
      return h;
    },
    killAfter: (pid) => void pids.push(pid),
  };
}
