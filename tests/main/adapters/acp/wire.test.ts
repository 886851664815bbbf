// Conformance on the wire: an agent written by hand (JSON-RPC lines, no SDK: tests/fixtures/acp/
// wire-agent.mjs) records exactly what Vigil's ACP client sends: the initialize it offers, the
// session it opens in the run's folder, the prompt, its answers to a permission request and to
// file and terminal requests (refused outside the folder, served inside), and one JSON document
// per line with bare \n (the protocol never passes through a pty). A silent agent meets the deadline.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAcpClient } from '../../../../src/main/adapters/acp/client';

const AGENT = resolve(__dirname, '../../../fixtures/acp/wire-agent.mjs');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(script: string, requestTimeoutMs = 30_000) {
  const base = mkdtempSync(join(tmpdir(), 'vigil-acp-wire-'));
  dirs.push(base);
  const cwd = join(base, 'folder');
  mkdirSync(cwd);
  const wireLog = join(base, 'wire.log');
  let out = '';
  const code = await runAcpClient({
    command: `exec node ${AGENT}`,
    cwd,
    env: { ...process.env, WIRE_LOG: wireLog, WIRE_SCRIPT: script },
    prompt: 'Do the work.',
    resumeSessionId: null,
    ask: async () => ({ decision: 'allow' }),
    write: (t) => (out += t),
    version: '9.9.9',
    requestTimeoutMs,
    exitGraceMs: 500,
  });
  const raw = readFileSync(wireLog, 'utf8');
  return { code, out, raw, messages: raw.trim().split('\n').map((l) => JSON.parse(l)), cwd };
}

describe("the ACP client's messages on the wire", { timeout: 60_000 }, () => {
  it('initialize, session/new in the folder, the prompt, and the answers to the agent’s requests', async () => {
    const { code, raw, messages, cwd, out } = await run('turn');
    expect(code).toBe(0);
    expect(raw).not.toContain('\r');
    const [init, created, prompt, ...answers] = messages;
    expect(init).toEqual({
      jsonrpc: '2.0',
      id: expect.anything(),
      method: 'initialize',
      params: { protocolVersion: 1, clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true }, clientInfo: { name: 'vigil', version: '9.9.9' } },
    });
    expect(created).toMatchObject({ method: 'session/new', params: { cwd, mcpServers: [] } });
    expect(prompt).toMatchObject({ method: 'session/prompt', params: { sessionId: 'wire-session', prompt: [{ type: 'text', text: 'Do the work.' }] } });
    const byId = new Map(answers.filter((m) => m.id !== undefined).map((m) => [m.id, m]));
    expect(byId.get(100)).toEqual({ jsonrpc: '2.0', id: 100, result: { outcome: { outcome: 'selected', optionId: 'ok' } } });
    expect(byId.get(101).error).toMatchObject({ code: -32602 });
    expect(JSON.stringify(byId.get(101).error)).toContain("outside the run's folder");
    expect(byId.get(102).error).toMatchObject({ code: -32602 });
    expect(byId.get(103).error).toMatchObject({ code: -32602 });
    expect(byId.get(104).result.terminalId).toEqual(expect.any(String));
    expect(byId.get(105).result).toMatchObject({ exitCode: 0 });
    expect(byId.get(106).result.output).toBe(`inside\n${cwd}\n`);
    expect(byId.get(107)).toMatchObject({ result: expect.anything() });
    // What it prints for the run: one JSON document per line, multi-line text kept inside one line.
    expect(out.trim().split('\n').every((l) => JSON.parse(l).type.startsWith('acp.'))).toBe(true);
  });

  it('an agent that never answers initialize meets the deadline: the run fails saying so', async () => {
    const { code, out, messages } = await run('silent', 1000);
    expect(code).toBe(1);
    expect(messages.map((m) => m.method)).toContain('initialize');
    expect(out).toContain('the agent did not answer initialize within 1 s');
  });
});
