// An `acp` agent run under a real `vigil serve` (the built CLI; the run's process, `vigil
// acp-client`, lives in the pty host and starts the SDK-built test agent on pipes): the transcript
// has the text and the tool call, the permission request waits as a pending request, answering it
// lets the agent finish and the run succeeds. Then the same run SIGKILLed with the host (and its
// processes) while the request waits: the retry loads the stored session with session/load.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callServed, ensureBuilt, servePerTest, startServe, tempDataDir } from '../../../helpers/serve';
import { waitFor } from '../../../helpers/host';

const AGENT = resolve(__dirname, '../../../fixtures/acp/agent.mjs');

beforeAll(() => ensureBuilt(), 600_000);

const call = callServed;

const agentLog = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

describe('an acp agent under vigil serve', () => {
  const slot = servePerTest();

  async function setUp() {
    slot.data = tempDataDir('vigil-acp-');
    const work = join(slot.data.dir, 'work');
    mkdirSync(work);
    const logFile = join(slot.data.dir, 'agent-log.jsonl');
    slot.served = await startServe({ dataDir: join(slot.data.dir, 'vigil') });
    await call(slot.served, 'agents.create', {
      name: 'acp-agent',
      adapterType: 'acp',
      command: `node ${AGENT}`,
      cwd: work,
      env: { ACP_TEST_LOG: logFile, ACP_TEST_STORE: join(slot.data.dir, 'sessions.json') },
    });
    const issue = await call(slot.served, 'issues.create', { title: 'Clean the build', assignee: 'acp-agent' });
    const pending = await waitFor(async () => (await call(slot.served!, 'requests.list', { pendingOnly: true }))[0], 120_000, 'the permission request');
    return { work, logFile, issue, pending };
  }

  it('records text and the tool call, waits on the permission request, and succeeds once it is allowed', async () => {
    const { work, logFile, pending } = await setUp();
    expect(pending).toMatchObject({ kind: 'permission', tool: 'execute', status: 'pending', input: { command: 'rm -rf build' } });
    const live = await call(slot.served!, 'runs.get', { run: pending.runId });
    expect(live.status).toBe('running');
    expect(live.sessionId).toBe(agentLog(logFile).find((l) => l.method === 'session/new').sessionId);
    await call(slot.served!, 'requests.answer', { request: pending.id, decision: 'allow' });
    const done = await waitFor(async () => {
      const r = await call(slot.served!, 'runs.get', { run: pending.runId });
      return r.status !== 'running' && r.status !== 'queued' && r.status !== 'starting' ? r : null;
    }, 120_000, 'the run to end');
    expect(done.status).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    const types = done.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['prompt', 'thinking', 'assistant', 'tool_use', 'tool_result', 'result']));
    expect(done.events.find((e) => e.type === 'assistant')?.message).toBe('I will clean the build folder.');
    expect(done.events.find((e) => e.type === 'tool_use')?.payload).toMatchObject({ id: 'call-1', input: { command: 'rm -rf build' } });
    expect(readFileSync(join(work, 'written-by-agent.txt'), 'utf8')).toBe('hello from the agent\n');
    // The agent's stderr is in the run log; the protocol is not.
    const log = await call(slot.served!, 'runs.log', { run: pending.runId });
    const text = Buffer.from(log.data, 'base64').toString('utf8');
    expect(text).toContain('test agent: started');
    expect(text).not.toContain('"jsonrpc"');
  }, 400_000);

  it('killed with the host while the request waits, the retry resumes the stored session through session/load', async () => {
    const { logFile, issue, pending } = await setUp();
    const lost = await call(slot.served!, 'runs.get', { run: pending.runId });
    expect(lost.sessionId).toBeTruthy();
    await slot.served!.kill();
    try {
      if (lost.processGroupId) process.kill(-lost.processGroupId, 'SIGKILL');
    } catch {
      /* gone with the host */
    }
    slot.served = await startServe({ dataDir: join(slot.data!.dir, 'vigil') });
    const load = await waitFor(() => agentLog(logFile).find((l) => l.method === 'session/load'), 120_000, 'the retry to load the session');
    expect(load.params.sessionId).toBe(lost.sessionId);
    const again = await waitFor(async () => (await call(slot.served!, 'requests.list', { pendingOnly: true })).find((r) => r.runId !== pending.runId), 120_000, 'the retry’s request');
    await call(slot.served!, 'requests.answer', { request: again.id, decision: 'allow' });
    const retry = await waitFor(async () => {
      const runs = (await call(slot.served!, 'runs.list', { issue: issue.identifier })).items;
      return runs.find((r) => r.id === again.runId && r.status === 'succeeded');
    }, 120_000, 'the retry to succeed');
    expect(retry.sessionId).toBe(lost.sessionId);
  }, 400_000);
});
