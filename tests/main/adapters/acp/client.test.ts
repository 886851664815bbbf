// The ACP client against a real ACP agent built with the SDK's agent side (tests/fixtures/acp/
// agent.mjs), on pipes: the lines it prints become transcript events, a permission is asked and
// its answer reaches the agent, files are served inside the run's folder only, a stored session
// is resumed with session/load (its replayed history not recorded again).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAcpClient, type PermissionAsk } from '../../../../src/main/adapters/acp/client';
import { createAcpParser } from '../../../../src/main/adapters/acp/parser';

const AGENT = resolve(__dirname, '../../../fixtures/acp/agent.mjs');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(decision: string, resume: string | null = null, dir = mkdtempSync(join(tmpdir(), 'vigil-acp-')), input?: AsyncIterable<string>) {
  dirs.push(dir);
  const logFile = join(dir, 'agent-log.jsonl');
  let out = '';
  const asked: PermissionAsk[] = [];
  const code = await runAcpClient({
    command: `exec node ${AGENT}`,
    cwd: dir,
    env: { ...process.env, ACP_TEST_LOG: logFile, ACP_TEST_STORE: join(dir, 'sessions.json') },
    prompt: 'Clean the build.',
    resumeSessionId: resume,
    ask: async (req) => (asked.push(req), { decision }),
    write: (t) => (out += t),
    version: 'test',
    requestTimeoutMs: 30_000,
    input,
  });
  const parser = createAcpParser();
  // Through the pty, lines end in \r\n: parsed as they will be.
  const events = [...parser.push(Buffer.from(out.replace(/\n/g, '\r\n'))), ...parser.end()];
  const agentLog = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return { code, out, events, result: parser.result(), asked, agentLog, dir };
}

describe('the ACP client with a real SDK agent', { timeout: 60_000 }, () => {
  it('turns the turn into transcript events, asks the permission, serves files inside the folder only, ends 0 on end_turn', async () => {
    const r = await run('allow');
    expect(r.code).toBe(0);
    const types = r.events.map((e) => e.type);
    expect(types).toEqual(['system', 'thinking', 'assistant', 'tool_use', 'system', 'tool_result', 'plan', 'assistant', 'result']);
    expect(r.events.find((e) => e.type === 'assistant')?.payload).toMatchObject({ text: 'I will clean the build folder.' });
    expect(r.events.find((e) => e.type === 'tool_use')?.payload).toMatchObject({ id: 'call-1', name: 'execute', input: { command: 'rm -rf build', title: 'rm -rf build' } });
    expect(r.events.find((e) => e.type === 'tool_result')?.payload).toMatchObject({ toolUseId: 'call-1', isError: false, text: 'build removed' });
    expect(r.asked).toHaveLength(1);
    expect(r.asked[0]).toMatchObject({ toolCallId: 'call-1', title: 'rm -rf build', kind: 'execute', input: { command: 'rm -rf build' } });
    expect(r.agentLog.find((l) => l.method === 'answer').answer).toEqual({ outcome: { outcome: 'selected', optionId: 'yes' } });
    expect(readFileSync(join(r.dir, 'written-by-agent.txt'), 'utf8')).toBe('hello from the agent\n');
    expect(r.agentLog.find((l) => l.method === 'outside-read').outside).toMatch(/refused: .*outside the run's folder/);
    const created = r.agentLog.find((l) => l.method === 'session/new');
    expect(created.params.cwd).toBe(r.dir);
    expect(r.result.sessionId).toBe(created.sessionId);
    expect(r.result.summary).toBe('Done.');
  });

  it('allow always selects the agent’s allow_always option; deny its reject option, and the run fails', async () => {
    const always = await run('allow_always');
    expect(always.agentLog.find((l) => l.method === 'answer').answer.outcome.optionId).toBe('always');
    const denied = await run('deny');
    expect(denied.agentLog.find((l) => l.method === 'answer').answer.outcome.optionId).toBe('no');
    expect(denied.code).toBe(1);
    expect(denied.events.at(-1)).toMatchObject({ type: 'result', payload: { isError: true, subtype: 'refusal' } });
    expect(existsSync(join(denied.dir, 'written-by-agent.txt'))).toBe(false);
  });

  it('resumes a stored session with session/load, without recording the replayed history', async () => {
    const first = await run('allow');
    const sessionId = first.result.sessionId!;
    rmSync(join(first.dir, 'agent-log.jsonl'));
    const second = await run('allow', sessionId, first.dir);
    const load = second.agentLog.find((l) => l.method === 'session/load');
    expect(load?.params).toMatchObject({ sessionId, cwd: first.dir });
    expect(second.agentLog.some((l) => l.method === 'session/new')).toBe(false);
    expect(second.agentLog.find((l) => l.method === 'session/prompt').params.sessionId).toBe(sessionId);
    expect(second.out).not.toContain('REPLAYED HISTORY');
    expect(second.result.sessionId).toBe(sessionId);
    expect(second.code).toBe(0);
  });

  it('a session the agent cannot load is said, and a new one takes its place', async () => {
    const r = await run('allow', 'sess-nobody-knows');
    expect(r.events.some((e) => e.type === 'system' && /Could not resume session sess-nobody-knows/.test(e.message ?? ''))).toBe(true);
    const created = r.agentLog.find((l) => l.method === 'session/new');
    expect(r.result.sessionId).toBe(created.sessionId);
    expect(r.code).toBe(0);
  });

  it('a line typed during the turn is sent as the next prompt of the same session', async () => {
    async function* typed() {
      yield 'also update the changelog';
    }
    const r = await run('allow', null, undefined, typed());
    const prompts = r.agentLog.filter((l) => l.method === 'session/prompt');
    expect(prompts.map((p) => p.params.prompt[0].text)).toEqual(['Clean the build.', 'also update the changelog']);
    expect(new Set(prompts.map((p) => p.params.sessionId)).size).toBe(1);
    expect(r.code).toBe(0);
  });
});
