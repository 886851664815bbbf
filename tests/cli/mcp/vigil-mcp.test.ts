// `vigil mcp` with the MCP SDK's own client: the tools are listed, a run token sees only its
// run's issue, the permission-prompt tool answers in Claude Code's exchange once a person
// answers, and a waiting call survives the host going away and coming back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostLink } from '../../../src/cli/mcp/host-link';
import { createVigilMcpServer } from '../../../src/cli/mcp/server';
import { startControlSocket, type ControlSocket } from '../../../src/main/transports/control-socket';
import { controlSocketPath } from '../../../src/node/paths';
import { startTestHost, textIfThere, waitFor, type TestHost } from '../../helpers/host';

let h: TestHost;
let socket: ControlSocket;
let socketPath: string;
const dir = mkdtempSync(join(tmpdir(), 'vigil-mcp-'));
let run: { id: string; token: string; issueId: string; identifier: string };
let otherIssue: string;

async function mcpClient(token: string | undefined, issueId: string | null) {
  const link = hostLink(socketPath, { runToken: token, backoffMs: 100, maxBackoffMs: 500 });
  const server = createVigilMcpServer({ link, forRun: token !== undefined, runIssueId: issueId, version: 'test', waitSliceMs: 1000 });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return { client, close: async () => (await client.close(), link.close()) };
}

const textOf = (result: unknown) => ((result as { content: { type: string; text: string }[] }).content[0]?.text ?? '');

beforeAll(async () => {
  h = await startTestHost('pglite', { maxConcurrentRuns: 10 });
  socketPath = controlSocketPath(h.target.dataDir);
  socket = await startControlSocket(h.host, socketPath);
  const tokenFile = join(dir, 'token');
  await h.call('agents.create', { name: 'mcp-agent', adapterType: 'process', command: `printenv VIGIL_RUN_TOKEN > ${tokenFile}; sleep 300` });
  const issue = await h.call('issues.create', { title: 'the run issue', assignee: 'mcp-agent' });
  otherIssue = (await h.call('issues.create', { title: 'somebody else’s issue' })).identifier;
  const r = await waitFor(async () => (await h.call('runs.list', { agent: 'mcp-agent' })).items.find((x) => x.status === 'running'), 60_000, 'a running run');
  const token = await waitFor(() => textIfThere(tokenFile)?.trim(), 30_000, 'the token');
  run = { id: r.id, token, issueId: issue.id, identifier: issue.identifier };
}, 180_000);

afterAll(async () => {
  await socket?.close();
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil mcp', { timeout: 120_000 }, () => {
  it('lists its tools', async () => {
    const { client, close } = await mcpClient(run.token, run.issueId);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['ask_person', 'comment', 'create_sub_issue', 'get_issue', 'list_issues', 'permission_prompt', 'set_status']);
    await close();
  });

  it('a run token sees only its issue', async () => {
    const { client, close } = await mcpClient(run.token, run.issueId);
    const listed = JSON.parse(textOf(await client.callTool({ name: 'list_issues', arguments: {} }))) as { identifier: string }[];
    expect(listed.map((i) => i.identifier)).toEqual([run.identifier]);
    const mine = JSON.parse(textOf(await client.callTool({ name: 'get_issue', arguments: {} }))) as { identifier: string };
    expect(mine.identifier).toBe(run.identifier);
    const other = await client.callTool({ name: 'get_issue', arguments: { issue: otherIssue } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/may only act on its own issue/);
    const comment = await client.callTool({ name: 'comment', arguments: { body: 'hello from MCP' } });
    expect(comment.isError).toBeFalsy();
    expect((await h.call('issues.get', { issue: run.identifier })).comments.map((c) => c.body)).toContain('hello from MCP');
    await close();
  });

  it("a person's client (no run token) lists every issue and cannot ask a person", async () => {
    const { client, close } = await mcpClient(undefined, null);
    const listed = JSON.parse(textOf(await client.callTool({ name: 'list_issues', arguments: {} }))) as { identifier: string }[];
    expect(listed.map((i) => i.identifier).sort()).toEqual([run.identifier, otherIssue].sort());
    const asked = await client.callTool({ name: 'ask_person', arguments: { question: 'hi?' } });
    expect(asked.isError).toBe(true);
    expect(textOf(asked)).toMatch(/only an agent Vigil started/);
    await close();
  });

  it('the permission-prompt tool waits for the answer: deny carries the message, allow the input unchanged', async () => {
    const { client, close } = await mcpClient(run.token, run.issueId);
    const call = (command: string) =>
      client.callTool({ name: 'permission_prompt', arguments: { tool_name: 'Bash', input: { command }, tool_use_id: 'toolu_1' } }, undefined, { timeout: 100_000 });
    const denied = call('rm -rf build');
    const pending = await waitFor(async () => (await h.call('requests.list', { pendingOnly: true })).find((r) => r.command === 'rm -rf build'), 30_000, 'the request');
    await h.call('requests.answer', { request: pending.id, decision: 'deny', message: 'keep the build folder' });
    expect(JSON.parse(textOf(await denied))).toEqual({ behavior: 'deny', message: 'keep the build folder' });

    const allowed = call('make');
    await waitFor(async () => (await h.call('requests.list', { pendingOnly: true })).find((r) => r.command === 'make'), 30_000, 'the second request');
    await h.call('requests.answer', { run: run.id, decision: 'allow' });
    expect(JSON.parse(textOf(await allowed))).toEqual({ behavior: 'allow', updatedInput: { command: 'make' } });
    await close();
  });

  it('AskUserQuestion through the permission tool comes back allowed with the answers in its input', async () => {
    const { client, close } = await mcpClient(run.token, run.issueId);
    const input = { questions: [{ question: 'Which port?', header: 'Port', options: [{ label: '8080', description: '' }, { label: '3000', description: '' }], multiSelect: false }] };
    const asked = client.callTool({ name: 'permission_prompt', arguments: { tool_name: 'AskUserQuestion', input } }, undefined, { timeout: 100_000 });
    const pending = await waitFor(async () => (await h.call('requests.list', { pendingOnly: true })).find((r) => r.question === 'Which port?'), 30_000, 'the question');
    expect(pending).toMatchObject({ kind: 'question', options: ['8080', '3000'] });
    await h.call('requests.answer', { request: pending.id, decision: 'answer', option: 2 });
    expect(JSON.parse(textOf(await asked))).toEqual({ behavior: 'allow', updatedInput: { ...input, answers: { 'Which port?': '3000' } } });
    await close();
  });

  it('a waiting call survives the control socket going away and coming back', async () => {
    const { client, close } = await mcpClient(run.token, run.issueId);
    const asked = client.callTool({ name: 'permission_prompt', arguments: { tool_name: 'Bash', input: { command: 'npm publish' } } }, undefined, { timeout: 100_000 });
    const pending = await waitFor(async () => (await h.call('requests.list', { pendingOnly: true })).find((r) => r.command === 'npm publish'), 30_000, 'the request');
    await socket.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    socket = await startControlSocket(h.host, socketPath);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await h.call('requests.answer', { request: pending.id, decision: 'allow' });
    expect(JSON.parse(textOf(await asked))).toEqual({ behavior: 'allow', updatedInput: { command: 'npm publish' } });
    // One request, not one per reconnection.
    expect((await h.call('requests.list', { run: run.id })).filter((r) => r.command === 'npm publish')).toHaveLength(1);
    await close();
  });
});
