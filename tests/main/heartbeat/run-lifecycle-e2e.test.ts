// Runs you can trust (issue #11), with real `vigil serve` processes: a host SIGKILLed after the
// agent reported its session (the retry resumes it), four hosts started together on one
// PostgreSQL database (each run's command starts once), and a second host on the same machine
// that must leave the first one's live run alone.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type HostInternals } from '../../../src/main/host';
import type { CallInput, CallName, CallOutput, RunDto } from '../../../src/shared/contract';
import { USER } from '../../../src/main/api';
import { callServed, ensureBuilt, servePerTest, startServe, tempDataDir, type Served } from '../../helpers/serve';
import { describeEachStore, freshPgDatabase, pgUrl } from '../../helpers/stores';
import { waitFor } from '../../helpers/host';

const FAKE_BIN = resolve(__dirname, '../../fixtures/adapters/bin');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];
const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(() => ensureBuilt(), 600_000);

const call = callServed;

/** Sets a data folder up in-process (scheduler off), then closes it so a serve can own it. */
async function prepare(dataDir: string, databaseUrl: string | undefined, fn: (invoke: <N extends CallName>(m: N, p: CallInput<N>) => Promise<CallOutput<N>>, host: HostInternals) => Promise<void>) {
  const host = (await startHost({ dataDir, databaseUrl, startScheduler: false, recoverOnStart: false, backupOnStart: false })) as HostInternals;
  try {
    await fn((m, p) => host.api.invoke(m, p, USER) as never, host);
  } finally {
    await host.close();
  }
}

const killGroup = (pgid: number | null) => {
  if (!pgid) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* gone */
  }
};

describeEachStore('a host SIGKILLed after its agent reported a session', (kind) => {
  const slot = servePerTest();

  for (const adapter of ['claude_local', 'codex_local'] as const) {
    it(`${adapter}: the retry resumes the lost run's session`, async () => {
      slot.data = tempDataDir();
      const databaseUrl = kind === 'postgres' ? await freshPgDatabase() : undefined;
      const env = databaseUrl ? { DATABASE_URL: databaseUrl } : {};
      const argvFile = join(slot.data.dir, 'argv.jsonl');
      const prefix = adapter === 'claude_local' ? 'FAKE_CLAUDE' : 'FAKE_CODEX';
      let identifier = '';
      await prepare(slot.data.dir, databaseUrl, async (invoke) => {
        await invoke('agents.create', {
          name: 'agent',
          adapterType: adapter,
          env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, [`${prefix}_ARGV_FILE`]: argvFile, [`${prefix}_HOLD_MS`]: '600000' },
        });
        identifier = (await invoke('issues.create', { title: 'Long work', assignee: 'agent' })).identifier;
      });
      slot.served = await startServe({ dataDir: slot.data.dir, env });
      // The agent printed its session (system/init, thread.started): the run's events say so.
      const { run, session } = await waitFor(async () => {
        const [r] = (await call(slot.served!, 'runs.list', { issue: identifier })).items;
        if (!r || r.status !== 'running') return null;
        const detail = await call(slot.served!, 'runs.get', { run: r.id });
        const started = detail.events.find((e) => e.type === 'system' && /Session \S+ started/.test(e.message ?? ''));
        const id = started ? /Session (\S+) started/.exec(started.message!)![1] : null;
        return id ? { run: r, session: id } : null;
      }, 60_000, 'the agent to report its session');
      await slot.served.kill();
      killGroup(run.processGroupId);
      slot.served = await startServe({ dataDir: slot.data.dir, env });
      await waitFor(() => readLines(argvFile).length >= 2, 60_000, 'the retry to start');
      const argv = JSON.parse(readLines(argvFile)[1]).argv as string[];
      if (adapter === 'claude_local') {
        expect(argv[argv.indexOf('--resume') + 1]).toBe(session);
      } else {
        expect(argv[argv.indexOf('resume') + 1]).toBe(session);
        expect(argv[0]).toBe('exec');
      }
      const prompt = argv[argv.length - 1];
      expect(prompt).toContain('continues the same conversation');
      expect(prompt).not.toContain('process_lost_retry');
    }, 300_000);
  }
});

const onPostgres = () => (pgUrl() ? describe : describe.skip);

onPostgres()('hosts sharing one PostgreSQL database', () => {
  const serves: Served[] = [];
  const dirs: ReturnType<typeof tempDataDir>[] = [];
  afterEach(async () => {
    await Promise.all(serves.splice(0).map((s) => s.stop()));
    for (const d of dirs.splice(0)) d.cleanup();
  });

  it("four hosts started together: 20 queued runs give exactly 20 process starts, none killed by another host", async () => {
    const databaseUrl = await freshPgDatabase();
    for (let i = 0; i < 4; i++) dirs.push(tempDataDir());
    const starts = join(dirs[0].dir, 'starts.txt');
    const runIds: string[] = [];
    await prepare(dirs[0].dir, databaseUrl, async (invoke, host) => {
      const agent = await invoke('agents.create', { name: 'worker', adapterType: 'process', command: `echo "$VIGIL_RUN_ID" >> ${starts}; sleep 1`, maxConcurrentRuns: 32 });
      for (let i = 0; i < 20; i++) {
        const issue = await invoke('issues.create', { title: `job ${i}` });
        const woke = await host.engine.wake(agent.id, { source: 'on_demand', reason: 'go', issueId: issue.id });
        runIds.push(woke.runId!);
      }
    });
    serves.push(...(await Promise.all(dirs.map((d) => startServe({ dataDir: d.dir, env: { DATABASE_URL: databaseUrl } })))));
    const runs = await waitFor(async () => {
      const items = (await call(serves[0], 'runs.list', { limit: 100 })).items;
      return items.length === 20 && items.every((r) => TERMINAL.includes(r.status)) ? items : null;
    }, 120_000, 'all 20 runs to end').catch(async (err: Error) => {
      const items = (await call(serves[0], 'runs.list', { limit: 100 })).items;
      console.log(`[four hosts] not all ended: ${readLines(starts).length} starts; ${items.map((r) => `${r.status}/${r.errorCode ?? '-'}`).join(' ')}`);
      throw err;
    });
    const lines = readLines(starts);
    console.log(`[four hosts] ${lines.length} process starts for 20 runs (${new Set(lines).size} distinct); ${runs.map((r: RunDto) => `${r.status}/${r.errorCode ?? '-'}`).join(' ')}`);
    expect(lines).toHaveLength(20);
    expect(new Set(lines).size).toBe(20);
    expect(runs.map((r: RunDto) => r.status)).toEqual(Array(20).fill('succeeded'));
    expect(new Set(runIds)).toEqual(new Set(lines));
  }, 300_000);

  it("a second host on the same machine leaves the first host's live run alone", async () => {
    const databaseUrl = await freshPgDatabase();
    dirs.push(tempDataDir(), tempDataDir());
    let identifier = '';
    await prepare(dirs[0].dir, databaseUrl, async (invoke) => {
      await invoke('agents.create', { name: 'steady', adapterType: 'process', command: 'sleep 8; exit 0' });
      identifier = (await invoke('issues.create', { title: 'steady work', assignee: 'steady' })).identifier;
    });
    serves.push(await startServe({ dataDir: dirs[0].dir, env: { DATABASE_URL: databaseUrl } }));
    const run = await waitFor(async () => (await call(serves[0], 'runs.list', { issue: identifier })).items.find((r) => r.status === 'running'), 60_000, 'the run to start');
    // The second host starts: its start-up recovery, and its detached watch every 5 s, look at every run of this machine.
    serves.push(await startServe({ dataDir: dirs[1].dir, env: { DATABASE_URL: databaseUrl } }));
    const during = await call(serves[1], 'runs.get', { run: run.id });
    expect(during.errorCode).toBeNull();
    expect(during.status).toBe('running');
    const ended = await waitFor(async () => {
      const r = await call(serves[0], 'runs.get', { run: run.id });
      return TERMINAL.includes(r.status) ? r : null;
    }, 60_000, 'the run to end');
    expect([ended.status, ended.errorCode]).toEqual(['succeeded', null]);
  }, 300_000);
});
