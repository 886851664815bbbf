// The recovery promise end to end: a real `vigil serve` with agents running in real ptys is
// SIGKILLed, started again, and puts everything right. PGlite and PostgreSQL.
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { RunDto } from '../../../src/shared/contract';
import { snapshotProcesses } from '../../../src/node/process/tree';
import { ensureBuilt, startServe, tempDataDir, vigil, type Served } from '../../helpers/serve';
import { describeEachStore, freshPgDatabase } from '../../helpers/stores';
import { pidAlive, waitFor } from '../../helpers/host';

const AGENTS: Record<string, string> = {
  a: 'nohup sleep 600 >/dev/null 2>&1 & sleep 600',
  b: "trap '' HUP; sleep 600",
  c: 'sleep 600',
  d: 'setsid sleep 600 >/dev/null 2>&1 & sleep 600',
};

beforeAll(() => ensureBuilt(), 600_000);

const cookiePids = (runId: string) => snapshotProcesses().runProcesses({ runId }).map((p) => p.pid);

describeEachStore('recovery after the host is SIGKILLed', (kind) => {
  let served: Served | null = null;
  let data: ReturnType<typeof tempDataDir> | null = null;
  const leftovers: number[] = [];

  afterEach(async () => {
    await served?.stop();
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    data?.cleanup();
    served = null;
  });

  it('reaps orphans, stops the one that outlived its terminal, retries lost work once', async () => {
    data = tempDataDir();
    const env = kind === 'postgres' ? { DATABASE_URL: await freshPgDatabase() } : {};
    const cli = async (...args: string[]) => {
      const r = await vigil([...args, '--json'], { dataDir: data!.dir, env });
      if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    served = await startServe({ dataDir: data.dir, env });
    const issueOf: Record<string, string> = {};
    for (const [name, command] of Object.entries(AGENTS)) {
      await cli('agent', 'add', name, '--adapter', 'process', '--command', command);
      issueOf[name] = (await cli('issue', 'create', `work for ${name}`, '--assign', name)).identifier;
    }
    const first: Record<string, RunDto> = {};
    await waitFor(async () => {
      for (const name of Object.keys(AGENTS)) {
        const runs = (await cli('run', 'list', '--agent', name)) as RunDto[] | { items: RunDto[] };
        const list = Array.isArray(runs) ? runs : runs.items;
        if (list[0]?.status !== 'running') return false;
        first[name] = list[0];
      }
      return true;
    }, 60_000, 'all four runs running');
    // Give each shell time to start its children, then record every process of each run.
    await waitFor(() => Object.values(first).every((r) => cookiePids(r.id).length >= 2), 10_000, 'children started');
    const before = Object.fromEntries(Object.entries(first).map(([n, r]) => [n, cookiePids(r.id)]));
    for (const pids of Object.values(before)) leftovers.push(...pids);

    await served.kill();
    served = null;
    // The pty closed: the kernel hung up the sessions. Let SIGHUP do its work before relaunch.
    await waitFor(() => !pidAlive(first.c.processPid!), 5000, '(c) to die of SIGHUP');

    served = await startServe({ dataDir: data.dir, env });
    const show = async (id: string) => (await cli('run', 'show', id)) as RunDto & { retriedBy?: RunDto[] };

    // (a) leader gone, nohup'd child alive -> killed, process_lost naming the descendant group, one retry.
    const a = await show(first.a.id);
    expect(a.status).toBe('failed');
    expect(a.errorCode).toBe('process_lost');
    expect(a.error).toContain('in its process group');
    await waitFor(() => before.a.every((p) => !pidAlive(p)), 5000, "(a)'s nohup child to die");
    // (b) ignores SIGHUP: it outlived its terminal, so it is stopped and retried, not watched headless.
    const b = await show(first.b.id);
    expect(b).toMatchObject({ status: 'failed', errorCode: 'process_lost' });
    expect(b.error).toContain('Its terminal was lost');
    await waitFor(() => !pidAlive(first.b.processPid!), 10_000, '(b) to be stopped');
    // (c) plain sleep died with its terminal: process_lost, one retry.
    const c = await show(first.c.id);
    expect(c).toMatchObject({ status: 'failed', errorCode: 'process_lost' });
    // (d) the setsid'd grandchild left the session: found by its cookie and killed.
    const d = await show(first.d.id);
    expect(d).toMatchObject({ status: 'failed', errorCode: 'process_lost' });
    await waitFor(() => before.d.every((p) => !pidAlive(p)), 5000, "(d)'s setsid grandchild to die");

    for (const name of ['a', 'b', 'c', 'd']) {
      const runs = (await cli('run', 'list', '--issue', issueOf[name])) as RunDto[] | { items: RunDto[] };
      const list = Array.isArray(runs) ? runs : runs.items;
      const retries = list.filter((r) => r.retryOfRunId === first[name].id);
      expect(retries, `exactly one retry for (${name})`).toHaveLength(1);
      expect(retries[0].processLossRetryCount).toBe(1);
      const issue = await cli('issue', 'show', issueOf[name]);
      expect(issue.executionRunId).toBe(retries[0].id);
      expect(issue.checkoutRunId === first[name].id || issue.checkoutRunId === retries[0].id).toBe(true);
    }
  }, 300_000);
});
