// The pty host lives while agents do: an idle host starts none, the first run starts it, and
// once no run needs it the host lets go and it exits; the next run starts one again. When no pty
// host can be started, runs still run (in the host's own ptys), and the user is told once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { startHost } from '../../../src/main/host';
import { livePtyHost } from '../../../src/main/ptyhost/launch';
import { ensureBuilt, ROOT } from '../../helpers/serve';
import { pidAlive, waitFor } from '../../helpers/host';

const SCRIPT = join(ROOT, 'out', 'main', 'ptyhost.js');
beforeAll(() => ensureBuilt(), 600_000);

const dirs: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function hostOn(ptyHost: Parameters<typeof startHost>[0]['ptyHost']) {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-ptyhost-life-'));
  dirs.push(dataDir);
  const host = await startHost({ dataDir, sweepIntervalMs: 0, backupOnStart: false, ptyHost });
  closers.push(() => host.close());
  const notices: string[] = [];
  host.events.subscribe((e) => notices.push((e.data as { message: string }).message), { events: ['host.notice'] });
  const call = (method: string, params: object) => host.api.invoke(method as never, params as never) as Promise<Record<string, unknown>>;
  const runTo = async (runId: string, status: string) =>
    waitFor(async () => ((await call('runs.get', { run: runId })).status === status ? true : null), 20_000, `run ${runId} ${status}`);
  return { dataDir, host, notices, call, runTo };
}

it('starts no pty host while idle, one for the first run, and lets it go once no run needs it', async () => {
  const { dataDir, call, runTo } = await hostOn({ runtime: process.execPath, script: SCRIPT, idleMs: 300, lingerMs: 300 });
  const agent = await call('agents.create', { name: 'a', adapterType: 'process', command: 'sleep 1; echo done' });
  expect(livePtyHost(dataDir)).toBeNull();

  const { runId } = (await call('agents.wake', { agent: agent.id })) as { runId: string };
  await runTo(runId, 'running');
  const first = livePtyHost(dataDir);
  expect(first).not.toBeNull();
  const run = await call('runs.get', { run: runId });
  expect(pidAlive(run.processPid as number)).toBe(true);
  await runTo(runId, 'succeeded');
  // Let go after the linger; with no host and no session it exits on its own.
  await waitFor(() => !pidAlive(first!.pid) && livePtyHost(dataDir) === null, 15_000, 'the idle pty host to exit');

  const again = (await call('agents.wake', { agent: agent.id })) as { runId: string };
  await runTo(again.runId, 'succeeded');
  expect((await call('runs.get', { run: again.runId })).lastOutputLine).toBe('done');
}, 60_000);

it('runs agents in its own ptys when no pty host can be started, and says so once', async () => {
  const { dataDir, notices, call, runTo } = await hostOn({ runtime: process.execPath, script: join(ROOT, 'no-such-ptyhost.js') });
  const agent = await call('agents.create', { name: 'b', adapterType: 'process', command: 'echo fine' });
  for (let i = 0; i < 2; i++) {
    const { runId } = (await call('agents.wake', { agent: agent.id })) as { runId: string };
    await runTo(runId, 'succeeded');
  }
  expect(livePtyHost(dataDir)).toBeNull();
  expect(notices.filter((n) => n.startsWith('Agents run inside this Vigil process'))).toHaveLength(1);
}, 90_000);
