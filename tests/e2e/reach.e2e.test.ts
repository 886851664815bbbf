// Issue 21's acceptance, end to end: a real `vigil serve` runs a claude_local agent whose command
// is a stand-in for Claude Code speaking the permission-prompt exchange (tests/fixtures/reach/
// fake-claude.mjs starts `vigil mcp` from the --mcp-config Vigil wrote, with the SDK's client).
// The agent asks to run `rm -rf build`: the request shows in the UI (real Chromium) and in
// `vigil run requests`; Deny with a message reaches the agent. It asks again; the host is
// SIGKILLed while the request waits, restarted, the request is still pending, Allow from the
// page resumes the agent; the run succeeds once, nothing retried.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestDto, RunDetailDto, RunDto } from '../../src/shared/contract';
import { waitFor } from '../helpers/host';
import { ROOT, startServe, vigil } from '../helpers/serve';
import { servedBrowser } from '../helpers/served-browser';
import { screenshot } from './browser';

const FAKE_CLAUDE = join(ROOT, 'tests', 'fixtures', 'reach', 'fake-claude.mjs');

describe('a live agent asks, a person answers (issue 21)', () => {
  const app = servedBrowser({ prefix: 'vigil-reach-', page: 'blank', setup: () => ({ detached: true }) });
  const cli = app.cli;
  const work = mkdtempSync(join(tmpdir(), 'vigil-reach-work-'));
  const pending = async () => cli<RequestDto[]>('run', 'requests');
  const ranLog = () => (existsSync(join(work, 'ran.log')) ? readFileSync(join(work, 'ran.log'), 'utf8') : '');

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('deny reaches the agent, the request survives a host crash, allow resumes it', { timeout: 300_000 }, async () => {
    const { data, page } = app;
    await cli('agent', 'add', 'claude', '--adapter', 'claude_local', '--command', FAKE_CLAUDE, '--cwd', work, '--env', 'FAKE_CLAUDE_COMMANDS=["rm -rf build","rm -rf build/cache","make clean"]', '--env-public', 'FAKE_CLAUDE_COMMANDS');
    const issue = await cli<{ identifier: string }>('issue', 'create', 'clean the build', '--assign', 'claude');

    // The first ask: in `vigil run requests`, and in the UI first thing on the dashboard.
    const first = await waitFor(async () => (await pending()).find((r) => r.command === 'rm -rf build'), 90_000, 'the first request');
    expect(first).toMatchObject({ kind: 'permission', tool: 'Bash', agent: 'claude', issueIdentifier: issue.identifier, status: 'pending' });
    const table = await vigil(['run', 'requests'], { dataDir: data.dir });
    expect(table.stdout).toMatch(/Bash: rm -rf build/);
    await page.goto(app.served.url);
    const card = page.locator(`[data-request="${first.id}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('.request-command').textContent()).toBe('rm -rf build');
    await screenshot(page, 'reach-request-waiting');

    // Deny with a message, from the page: the agent reads it.
    await card.getByLabel('Message to the agent').fill('not the whole build folder: only build/cache');
    await card.getByRole('button', { name: 'Deny' }).click();
    const runId = first.runId;
    await waitFor(async () => (await cli<RunDetailDto>('run', 'show', runId)).events.some((e) => e.message?.includes('DENIED rm -rf build: not the whole build folder: only build/cache')), 60_000, 'the denial to reach the agent').catch(async (err) => {
      console.log(JSON.stringify((await cli<RunDetailDto>('run', 'show', runId)).events.map((e) => [e.type, e.message])), JSON.stringify(await cli('run', 'requests', '--all')));
      console.log((await vigil(['run', 'logs', runId], { dataDir: data.dir })).stdout);
      await screenshot(page, 'reach-debug');
      throw err;
    });
    expect(ranLog()).toBe('');

    // The second ask waits; the host dies (SIGKILL) and comes back; the request is still there.
    const second = await waitFor(async () => (await pending()).find((r) => r.command === 'rm -rf build/cache'), 60_000, 'the second request');
    const before = await cli<RunDetailDto>('run', 'show', runId);
    await app.served.killHostOnly();
    app.served = await startServe({ dataDir: data.dir, detached: true });
    const after = await pending();
    expect(after.map((r) => r.id)).toEqual([second.id]);
    const shown = await cli<RunDetailDto>('run', 'show', runId);
    expect(shown).toMatchObject({ status: 'running', processPid: before.processPid });

    // Allow, from the page of the run (a new page: the old host's address is gone).
    await page.goto(app.served.url);
    await page.evaluate((id) => (window.location.hash = `#/runs/${id}`), runId);
    const again = page.locator(`[data-request="${second.id}"]`);
    await again.waitFor({ timeout: 30_000 });
    await page.locator('.waiting-badge').waitFor();
    await again.getByRole('button', { name: 'Allow once' }).click();

    // The third ask is answered from the shell, for good: a rule kept on the agent.
    await waitFor(async () => (await pending()).find((r) => r.command === 'make clean'), 60_000, 'the third request');
    const answered = await vigil(['run', 'answer', runId, '--allow-always'], { dataDir: data.dir });
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toMatch(/\$ make clean/);
    const rules = await vigil(['agent', 'rules'], { dataDir: data.dir });
    expect(rules.stdout).toMatch(/claude\s+Bash\s+make clean/);

    const done = await waitFor(async () => {
      const run = await cli<RunDetailDto>('run', 'show', runId);
      return run.status === 'succeeded' ? run : null;
    }, 90_000, 'the run to finish');
    expect(done.events.some((e) => e.message?.includes('ALLOWED rm -rf build/cache'))).toBe(true);
    expect(ranLog()).toBe('rm -rf build/cache\nmake clean\n');
    // Nothing retried: one run for the issue, and no request left waiting.
    const runs = await cli<{ items: RunDto[] }>('run', 'list', '--issue', issue.identifier);
    expect(runs.items.map((r) => r.id)).toEqual([runId]);
    expect(await pending()).toEqual([]);
    const all = await cli<RequestDto[]>('run', 'requests', '--all');
    expect(all.map((r) => [r.command, r.status])).toEqual(expect.arrayContaining([['rm -rf build', 'denied'], ['rm -rf build/cache', 'allowed'], ['make clean', 'allowed']]));
    // The rule shows on the agent's page and can be removed there.
    await page.evaluate(() => (window.location.hash = '#/agents/claude'));
    const rule = page.locator('.agent-rules li', { hasText: 'make clean' });
    await rule.waitFor({ timeout: 30_000 });
    await rule.getByRole('button', { name: 'Remove' }).click();
    await page.locator('.agent-rules').waitFor({ state: 'detached', timeout: 30_000 });
    expect((await vigil(['agent', 'rules'], { dataDir: data.dir })).stdout).toMatch(/No rules/);
    // The run's MCP config (it holds the run token) is gone with the run.
    await waitFor(() => !existsSync(join(data.dir, 'mcp', `${runId}.json`)), 30_000, 'the MCP config to be removed');
  });
});
