// Agents outlive the app, end to end: a real `vigil serve` runs four agents in the pty host; its
// process group is SIGKILLed; the agents keep running and their logs keep growing; the next
// `vigil serve` reattaches: live runs stay running (no retry, no process_lost), one byte-exact
// log spans the crash, and the agent that exited 0 meanwhile is recorded as the success it was.
// A clean quit then stops every agent, and the pty host exits.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { RunDto } from '../../src/shared/contract';
import { getAdapter } from '../../src/main/adapters/index';
import { logsDirOf } from '../../src/node/paths';
import { isSameProcess } from '../../src/node/process/identity';
import { livePtyHost } from '../../src/main/ptyhost/launch';
import { snapshotProcesses } from '../../src/node/process/tree';
import { ensureBuilt, killPtyHost, startServe, tempDataDir, vigil, type Served } from '../helpers/serve';
import { pidAlive, waitFor } from '../helpers/host';

beforeAll(() => ensureBuilt(), 600_000);

const FAKE_BIN = resolve(__dirname, '../fixtures/adapters/bin');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The engine's own events (and the prompt it sent); the rest are the adapter's. */
const ENGINE_EVENTS = ['queued', 'started', 'prompt', 'finished'];
const cookiePids = (runId: string) => snapshotProcesses().runProcesses({ runId }).map((p) => p.pid);

let served: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let work: string | null = null;
const leftovers: number[] = [];

afterEach(async () => {
  await served?.stop();
  served = null;
  if (data) killPtyHost(data.dir);
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  data?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('agents keep running through a host crash; the next host reattaches; a clean quit stops them', async () => {
  data = tempDataDir();
  work = mkdtempSync(join(tmpdir(), 'vigil-ptyhost-e2e-'));
  const side = join(work, 'ticks.side');
  const agents: Record<string, string> = {
    sleeper: 'sleep 600',
    ticker: `i=0; while :; do i=$((i+1)); echo "tick $i" >> '${side}'; echo "tick $i"; sleep 0.2; done`,
    finisher: 'sleep 10; echo done; exit 0',
    nohupper: 'nohup sleep 600 >/dev/null 2>&1 & sleep 600',
  };
  const cli = async (...args: string[]) => {
    const r = await vigil([...args, '--json'], { dataDir: data!.dir });
    if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const runsOf = async (issue: string): Promise<RunDto[]> => {
    const runs = await cli('run', 'list', '--issue', issue);
    return Array.isArray(runs) ? runs : runs.items;
  };
  served = await startServe({ dataDir: data.dir, detached: true });
  const issueOf: Record<string, string> = {};
  for (const [name, command] of Object.entries(agents)) {
    await cli('agent', 'add', name, '--adapter', 'process', '--command', command, '--cwd', work);
    issueOf[name] = (await cli('issue', 'create', `work for ${name}`, '--assign', name)).identifier;
  }
  const first: Record<string, RunDto> = {};
  await waitFor(async () => {
    for (const name of Object.keys(agents)) {
      const [run] = await runsOf(issueOf[name]);
      if (run?.status !== 'running') return false;
      first[name] = run;
    }
    return true;
  }, 60_000, 'all four runs running');
  await waitFor(() => cookiePids(first.nohupper.id).length >= 2, 10_000, "the nohupper's child");
  for (const r of Object.values(first)) leftovers.push(...cookiePids(r.id));
  const ptyHost = livePtyHost(data.dir)!;
  expect(ptyHost).not.toBeNull();
  leftovers.push(ptyHost.pid);
  const tickerLog = join(logsDirOf(data.dir), `${first.ticker.id}.log`);
  await waitFor(() => statSync(tickerLog).size > 20, 10_000, 'ticks in the log');

  // The crash: the host's process group only.
  await served.killHostOnly();
  served = null;
  const sizeAtCrash = statSync(tickerLog).size;
  for (const name of ['sleeper', 'ticker', 'nohupper', 'finisher']) {
    expect(isSameProcess(first[name].processPid, first[name].processStartId), `${name} lives on`).toBe(true);
  }
  await waitFor(() => statSync(tickerLog).size > sizeAtCrash + 30, 10_000, 'the ticker log to grow with no host');
  // The finisher ends while no host runs.
  await waitFor(() => !pidAlive(first.finisher.processPid!), 30_000, 'the finisher to exit');
  expect(livePtyHost(data.dir)?.pid).toBe(ptyHost.pid);

  served = await startServe({ dataDir: data.dir, detached: true });
  const show = async (id: string) => (await cli('run', 'show', id)) as RunDto;
  for (const name of ['sleeper', 'ticker', 'nohupper']) {
    const run = await show(first[name].id);
    expect(run.status, name).toBe('running');
    expect(run.errorCode, name).toBeNull();
    expect(run.processPid).toBe(first[name].processPid);
    const runs = await runsOf(issueOf[name]);
    expect(runs, `${name}: no retry`).toHaveLength(1);
  }
  const finisher = await show(first.finisher.id);
  expect(finisher).toMatchObject({ status: 'succeeded', exitCode: 0, errorCode: null, lastOutputLine: 'done' });
  expect(await runsOf(issueOf.finisher)).toHaveLength(1);

  // Live output continues where the log is; then a clean quit stops everyone.
  const sizeAtReattach = statSync(tickerLog).size;
  await waitFor(async () => (await show(first.ticker.id)).logBytes > sizeAtReattach, 20_000, 'the ticker to progress after reattach');
  const stopped = await served.stop();
  served = null;
  expect(stopped.code).toBe(0);
  for (const name of ['sleeper', 'ticker', 'nohupper']) {
    await waitFor(() => cookiePids(first[name].id).length === 0, 10_000, `${name}'s processes to be gone`);
  }
  await waitFor(() => !pidAlive(ptyHost.pid), 15_000, 'the pty host to exit after the quit');
  // Read now: the next start continues the issue with a new run of the same command.
  const printed = readFileSync(side, 'utf8').split('\n').filter(Boolean);

  // One byte-exact log across before, during and after the crash.
  served = await startServe({ dataDir: data.dir, detached: true });
  const ticker = await show(first.ticker.id);
  expect(ticker).toMatchObject({ status: 'cancelled', errorCode: 'host_shutdown' });
  const log = readFileSync(tickerLog);
  expect(ticker.logBytes).toBe(log.length);
  expect(ticker.logSha256).toBe(sha256(log));
  const lines = log.toString().split('\r\n').filter(Boolean);
  // The quit's SIGTERM may reach the loop's `sleep` before the shell itself: dash then reports
  // its child's death ("Terminated") as its last words. That is the agent's real output.
  const ticks = lines.at(-1) === 'Terminated' ? lines.slice(0, -1) : lines;
  expect(ticks.length).toBeGreaterThan(20);
  ticks.forEach((t, i) => expect(t).toBe(`tick ${i + 1}`));
  // Killed between its two writes, the agent may have noted one tick more than it printed.
  expect(printed.length - ticks.length).toBeGreaterThanOrEqual(0);
  expect(printed.length - ticks.length).toBeLessThanOrEqual(1);
  for (const name of ['sleeper', 'nohupper']) expect(await show(first[name].id)).toMatchObject({ status: 'cancelled', errorCode: 'host_shutdown' });
}, 300_000);

it("a claude run taken back after a host crash: its parser catches up, no event lost or doubled, usage and session kept", async () => {
  data = tempDataDir();
  const fixture = readFileSync(join(FAKE_BIN, '..', 'claude-success.jsonl'));
  // What an uninterrupted run yields, from the same parser.
  const reference = getAdapter('claude_local').createParser();
  const expected = [...reference.push(Buffer.from(fixture.toString().split(/(?<=\n)/).filter((l) => !l.startsWith('#')).join('').replaceAll('\n', '\r\n'))), ...reference.end()];
  const cli = async (...args: string[]) => {
    const r = await vigil([...args, '--json'], { dataDir: data!.dir });
    if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  served = await startServe({ dataDir: data.dir, detached: true });
  await cli('agent', 'add', 'claude', '--adapter', 'claude_local', '--env', `PATH=${FAKE_BIN}:${process.env.PATH}`, '--env', 'FAKE_CLAUDE_LINE_DELAY_MS=1000');
  const issue = (await cli('issue', 'create', 'Fix the cart', '--assign', 'claude')).identifier;
  const detailOf = async (id: string) => (await cli('run', 'show', id)) as RunDto & { events: { type: string; message: string | null }[] };
  const run = await waitFor(async () => {
    const list = await cli('run', 'list', '--issue', issue);
    const [r] = (Array.isArray(list) ? list : list.items) as RunDto[];
    if (r?.status !== 'running') return null;
    const d = await detailOf(r.id);
    return d.events.filter((e) => !ENGINE_EVENTS.includes(e.type)).length >= 2 ? r : null;
  }, 60_000, 'the claude run to report its first events');
  leftovers.push(run.processPid!);
  await served.killHostOnly();
  served = null;
  await new Promise((r) => setTimeout(r, 2500));
  served = await startServe({ dataDir: data.dir, detached: true });
  const done = await waitFor(async () => {
    const d = await detailOf(run.id);
    return ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(d.status) ? d : null;
  }, 60_000, 'the taken-back run to end');
  expect(done).toMatchObject({ status: 'succeeded', exitCode: 0, errorCode: null });
  expect(done.sessionId).toBe(reference.result().sessionId);
  expect(done.usage).toMatchObject({ inputTokens: reference.result().usage!.inputTokens, outputTokens: reference.result().usage!.outputTokens });
  const got = done.events.filter((e) => !ENGINE_EVENTS.includes(e.type)).map((e) => `${e.type}: ${e.message}`);
  expect(got).toEqual(expected.map((e) => `${e.type}: ${e.message}`));
  const runs = await cli('run', 'list', '--issue', issue);
  expect((Array.isArray(runs) ? runs : runs.items).filter((r: RunDto) => r.retryOfRunId)).toHaveLength(0);
}, 300_000);

it('vigil serve --keep-agents: a planned restart leaves the agent running, the next serve takes it back', async () => {
  data = tempDataDir();
  const cli = async (...args: string[]) => {
    const r = await vigil([...args, '--json'], { dataDir: data!.dir });
    if (r.code !== 0) throw new Error(`vigil ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  served = await startServe({ dataDir: data.dir, args: ['--keep-agents'] });
  await cli('agent', 'add', 'keeper', '--adapter', 'process', '--command', 'sleep 600');
  const issue = (await cli('issue', 'create', 'long work', '--assign', 'keeper')).identifier;
  const run = await waitFor(async () => {
    const list = await cli('run', 'list', '--issue', issue);
    const [r] = (Array.isArray(list) ? list : list.items) as RunDto[];
    return r?.status === 'running' ? r : null;
  }, 60_000, 'the run to start');
  leftovers.push(run.processPid!);
  const stopped = await served.stop();
  served = null;
  expect(stopped.code).toBe(0);
  expect(isSameProcess(run.processPid, run.processStartId)).toBe(true);
  served = await startServe({ dataDir: data.dir });
  expect(served.output().stdout).toContain('1 run(s) whose agents kept running were taken back');
  const back = (await cli('run', 'show', run.id)) as RunDto;
  expect(back).toMatchObject({ status: 'running', errorCode: null, processPid: run.processPid });
  const list = await cli('run', 'list', '--issue', issue);
  expect(Array.isArray(list) ? list : list.items).toHaveLength(1);
  // Without --keep-agents, this stop ends it as today.
  await served.stop();
  served = null;
  await waitFor(() => !pidAlive(run.processPid!), 15_000, 'the agent to be stopped by the quit');
}, 300_000);
