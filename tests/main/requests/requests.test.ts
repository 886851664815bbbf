// Requests as stored state (issue 21): an agent's run opens a permission request or a question,
// a person lists and answers it (allow, allow always -> a rule kept on the agent, deny with a
// message, an option or free text), nobody answering within the agent's answer timeout denies it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../../src/main/api';
import type { RequestDto } from '../../../src/shared/contract';
import { startTestHost, textIfThere, waitFor, type TestHost } from '../../helpers/host';

let h: TestHost;
const dir = mkdtempSync(join(tmpdir(), 'vigil-requests-'));

/** Starts a live run of a new agent whose command keeps running; returns its run id and its agent caller. */
async function liveRun(name: string, extra: { answerTimeoutSec?: number } = {}): Promise<{ runId: string; agent: Caller; issueId: string }> {
  const tokenFile = join(dir, `${name}-${Math.random().toString(36).slice(2)}.token`);
  await h.call('agents.create', { name, adapterType: 'process', command: `printenv VIGIL_RUN_TOKEN > ${tokenFile}; sleep 120`, ...extra });
  const issue = await h.call('issues.create', { title: `work of ${name}`, assignee: name });
  const run = await waitFor(async () => (await h.call('runs.list', { agent: name })).items.find((r) => r.status === 'running'), 30_000, 'a running run');
  const token = await waitFor(() => textIfThere(tokenFile)?.trim(), 30_000, 'the run token');
  return { runId: run.id, agent: { kind: 'agent', runToken: token }, issueId: issue.id };
}

const bash = (command: string) => ({ kind: 'permission' as const, tool: 'Bash', input: { command } });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// PGlite (one machine) and PostgreSQL (a team's database): the same SQL must hold on both.
describe.each(['pglite', 'postgres'] as const)('requests (%s)', { timeout: 120_000 }, (kind) => {
  beforeAll(async () => {
    h = await startTestHost(kind, { requests: { sweepEveryMs: 200 }, maxConcurrentRuns: 20 });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('a permission request is listed first, shows what is asked, and a deny message reaches the waiting agent', async () => {
    const { runId, agent } = await liveRun('asker');
    const opened = await h.call('requests.open', { key: 'req-deny-0001', ...bash('rm -rf build') }, agent);
    expect(opened).toMatchObject({ status: 'pending', kind: 'permission', tool: 'Bash', command: 'rm -rf build', summary: 'Bash: rm -rf build', runId, agent: 'asker' });
    // Opening again under the same key (a retry after a host restart) is the same request.
    expect((await h.call('requests.open', { key: 'req-deny-0001', ...bash('rm -rf build') }, agent)).id).toBe(opened.id);
    expect(h.events.some((e) => e.event === 'request.opened' && e.data.id === opened.id)).toBe(true);
    const attention = await waitFor(() => h.events.find((e) => e.event === 'attention.needed' && e.data.runId === runId), 10_000, 'attention');
    expect(attention.data).toMatchObject({ kind: 'waiting_input', message: 'asker asks to use: Bash: rm -rf build' });

    const listed = await h.call('requests.list', { pendingOnly: true });
    expect(listed.map((r) => r.id)).toContain(opened.id);

    // The agent's long poll returns as soon as the answer lands.
    const waiting = h.call('requests.wait', { request: opened.id, waitMs: 50_000 }, agent);
    await h.call('requests.answer', { run: runId, decision: 'deny', message: 'not the build folder, use make clean' });
    const seen = await waiting;
    expect(seen).toMatchObject({ status: 'denied', answer: { decision: 'deny', message: 'not the build folder, use make clean' }, answeredBy: 'user' });
    // Answered once: a second answer is refused in words.
    await expect(h.call('requests.answer', { request: opened.id, decision: 'allow' })).rejects.toThrow(/already denied/);
    // Recorded in the run's events (numbered by the engine with the run's own, so shortly after).
    const events = await waitFor(async () => {
      const types = (await h.call('runs.get', { run: runId })).events.map((e) => e.type);
      return types.includes('request_answered') ? types : null;
    }, 15_000, 'the answer in the run events');
    expect(events).toEqual(expect.arrayContaining(['request', 'request_answered']));
  });

  it('allow always keeps a rule on the agent: the same command is allowed without asking, until the rule is removed', async () => {
    const { agent } = await liveRun('ruled');
    const first = await h.call('requests.open', { key: 'req-rule-0001', ...bash('npm test') }, agent);
    await h.call('requests.answer', { request: first.id, decision: 'allow_always' });
    const rules = await h.call('agentRules.list', { agent: 'ruled' });
    expect(rules).toEqual([expect.objectContaining({ agent: 'ruled', tool: 'Bash', command: 'npm test' })]);

    const again = await h.call('requests.open', { key: 'req-rule-0002', ...bash('npm test') }, agent);
    expect(again).toMatchObject({ status: 'allowed', answeredBy: 'rule' });
    const other = await h.call('requests.open', { key: 'req-rule-0003', ...bash('npm publish') }, agent);
    expect(other.status).toBe('pending');

    await h.call('agentRules.remove', { rule: rules[0].id });
    expect(await h.call('agentRules.list', { agent: 'ruled' })).toEqual([]);
    expect((await h.call('requests.open', { key: 'req-rule-0004', ...bash('npm test') }, agent)).status).toBe('pending');
  });

  it('a question is answered by its option or by free text; a permission answer to it is refused', async () => {
    const { agent } = await liveRun('curious');
    const input = { questions: [{ question: 'Which database?', options: [{ label: 'Postgres' }, { label: 'SQLite' }] }] };
    const q = await h.call('requests.open', { key: 'req-q-00001', kind: 'question', tool: 'AskUserQuestion', input }, agent);
    expect(q).toMatchObject({ question: 'Which database?', options: ['Postgres', 'SQLite'], summary: 'Which database?' });
    await expect(h.call('requests.answer', { request: q.id, decision: 'allow' })).rejects.toThrow(/is a question/);
    await expect(h.call('requests.answer', { request: q.id, decision: 'answer', option: 3 })).rejects.toThrow(/from 1 to 2/);
    expect(await h.call('requests.answer', { request: q.id, decision: 'answer', option: 2 })).toMatchObject({ status: 'answered', answer: { text: 'SQLite' } });

    const free = await h.call('requests.open', { key: 'req-q-00002', kind: 'question', input: { question: 'Name the branch?' } }, agent);
    expect(await h.call('requests.answer', { request: free.id, decision: 'answer', text: 'feature/x' })).toMatchObject({ status: 'answered', answer: { text: 'feature/x' } });
  });

  it('an agent may wait only on its own run, and a person cannot open one', async () => {
    const a = await liveRun('one');
    const b = await liveRun('two');
    const mine = await h.call('requests.open', { key: 'req-own-0001', ...bash('ls') }, a.agent);
    await expect(h.call('requests.wait', { request: mine.id, waitMs: 0 }, b.agent)).rejects.toThrow(/only wait on its own run/);
    await expect(h.call('requests.open', { key: 'req-own-0002', ...bash('ls') })).rejects.toThrow(/only a run's agent/);
    await expect(h.call('requests.list', {}, a.agent)).rejects.toThrow(/cannot call requests.list/);
  });

  it('nobody answering within the answer timeout denies it, saying so', async () => {
    const { agent } = await liveRun('patient', { answerTimeoutSec: 10 });
    const r = await h.call('requests.open', { key: 'req-time-0001', ...bash('make deploy') }, agent);
    const seen: RequestDto = await waitFor(async () => {
      const now = await h.call('requests.wait', { request: r.id, waitMs: 2000 }, agent);
      return now.status !== 'pending' ? now : null;
    }, 60_000, 'the request to expire');
    expect(seen).toMatchObject({ status: 'expired', answeredBy: 'timeout' });
    expect(seen.answer?.message).toMatch(/Nobody answered within 10 s, so Vigil denied it/);
  });

  it('a request of a run that ended is denied: the run ended', async () => {
    const { runId, agent } = await liveRun('quitter');
    const r = await h.call('requests.open', { key: 'req-end-00001', ...bash('ls') }, agent);
    await h.call('runs.cancel', { run: runId });
    const ended = await waitFor(async () => {
      const now = await h.call('requests.get', { request: r.id });
      return now.status !== 'pending' ? now : null;
    }, 30_000, 'the request to end with its run');
    expect(ended).toMatchObject({ status: 'expired', answeredBy: 'run_ended', answer: { message: 'The run ended before anyone answered.' } });
  });
});
