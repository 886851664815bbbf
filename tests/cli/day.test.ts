// A person's day with the CLI (issue 24): the ids the UI shows work everywhere, long text from a
// file or stdin, agents checked when added (each check with its message), a missing command
// escalated at once with its cause, and the page's address from `vigil open` / `vigil status`.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/host';
import type { AgentDto, EscalationDto, IssueDetailDto, IssueDto, RunDetailDto, RunDto } from '../../src/shared/contract';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil as run, type Served } from '../helpers/serve';

const data = tempDataDir();
let served: Served;
const scratch = mkdtempSync(join(tmpdir(), 'vigil-day-'));

const vigil = (args: string[], env?: NodeJS.ProcessEnv) => run(args, { dataDir: data.dir, env });

async function json<T>(...args: string[]): Promise<T> {
  const r = await vigil(['--json', ...args]);
  expect(r.stderr, `vigil ${args.join(' ')}`).toBe('');
  expect(r.code, `vigil ${args.join(' ')}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** A failing invocation's one stderr line. */
async function failing(...args: string[]): Promise<string> {
  const r = await vigil(args);
  expect(r.code, `vigil ${args.join(' ')}`).not.toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, `vigil ${args.join(' ')}`).toHaveLength(1);
  return lines[0];
}

/** vigil with `input` on its stdin. */
const withStdin = (args: string[], input: string) => run(args, { dataDir: data.dir, input });

/** Polls until `check` returns a value (a wait, not an assertion). */
const until = <T,>(what: string, check: () => Promise<T | null | undefined>, timeoutMs = 90_000) => waitFor(check, timeoutMs, what, 250);

beforeAll(async () => {
  ensureBuilt();
  served = await startServe({ dataDir: data.dir });
}, READY_TIMEOUT_MS + 300_000);

afterAll(async () => {
  await served?.kill();
  data.cleanup();
});

describe('a day with the vigil CLI', { timeout: 240_000 }, () => {
  it('vigil open --print and vigil status give the page with its token; open hands it to $BROWSER', async () => {
    expect((await vigil(['open', '--print'])).stdout.trim()).toBe(served.url);
    expect((await vigil(['status'])).stdout).toContain(`Open:`);
    expect((await vigil(['status'])).stdout).toContain(served.url);
    expect((await json<{ webUrl: string }>('status')).webUrl).toBe(served.url);
    const seen = join(scratch, 'browser-saw');
    const browser = join(scratch, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`);
    chmodSync(browser, 0o755);
    const opened = await vigil(['open'], { BROWSER: browser });
    expect(opened).toMatchObject({ code: 0, stdout: 'Opened Vigil in your browser.\n' });
    const { readFileSync } = await import('node:fs');
    expect(await until('the browser to be handed the address', async () => { try { return readFileSync(seen, 'utf8'); } catch { return null; } })).toBe(served.url);
  });

  it('checks an agent when it is added, each problem with its reason and fix', async () => {
    expect(await failing('agent', 'add', 'nocwd', '--adapter', 'process', '--command', 'true', '--cwd', '/does/not/exist')).toBe(
      'vigil: --cwd: the folder /does/not/exist: there is no such folder; create it (mkdir -p /does/not/exist) or choose another folder',
    );
    expect(await failing('agent', 'add', 'nocmd', '--adapter', 'process', '--command', '/nonexistent/agent-cmd --flag')).toBe(
      'vigil: --command: the command /nonexistent/agent-cmd does not exist; give the path of the program (or its name, if it is on PATH)',
    );
    expect(await failing('agent', 'add', 'nopath', '--adapter', 'process', '--command', 'no-such-agent-cli-xyz run')).toBe(
      'vigil: --command: the command "no-such-agent-cli-xyz" was not found on PATH; install it, give its full path, or add its folder to PATH in the agent\'s env',
    );
    const script = join(scratch, 'agent.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    expect(await failing('agent', 'add', 'noexec', '--adapter', 'process', '--command', script)).toBe(
      `vigil: --command: the command ${script} is not executable; make it executable: chmod +x ${script}`,
    );
    const file = join(scratch, 'plain-file');
    writeFileSync(file, '');
    expect(await failing('agent', 'add', 'filecwd', '--adapter', 'process', '--command', 'true', '--cwd', file)).toBe(
      `vigil: --cwd: the folder ${file}: this is a file, not a folder; choose a folder you own`,
    );
    // Nothing was added by the refusals.
    expect((await json<AgentDto[]>('agent', 'list')).map((a) => a.name)).toEqual([]);
    // An adapter CLI not installed yet: added, with a warning saying how to install it.
    const claude = await vigil(['agent', 'add', 'later', '--adapter', 'claude_local', '--env', 'PATH=/nonexistent']);
    expect(claude.code).toBe(0);
    expect(claude.stdout).toContain('warning: the Claude Code CLI "claude" was not found on PATH; install it: npm install -g @anthropic-ai/claude-code.');
    // A change is checked too.
    expect(await failing('agent', 'update', 'later', '--cwd', '/does/not/exist')).toMatch(/^vigil: --cwd: the folder \/does\/not\/exist: there is no such folder/);
  });

  it('a missing command is escalated at once with "not found" in the escalation, not retried', async () => {
    // `sh` is found (the check passes); the program it runs is not: the shell says "not found", exit 127.
    await json('agent', 'add', 'broken', '--adapter', 'process', '--command', 'sh -c /nonexistent/agent-cmd');
    const issue = await json<IssueDto>('issue', 'create', 'Broken agent', '--assign', 'broken');
    const esc = await until('the escalation', async () => (await json<EscalationDto[]>('escalation', 'list')).find((e) => e.issueIdentifier === issue.identifier));
    expect(esc.kind).toBe('agent_cannot_start');
    expect(esc.message).toContain('not found');
    expect(esc.message).toContain('/nonexistent/agent-cmd: not found');
    expect(esc.message).toContain(`vigil escalation retry ${issue.identifier}`);
    const runs = (await json<{ items: RunDto[] }>('run', 'list', '--issue', issue.identifier)).items;
    expect(runs).toHaveLength(1);
    // The run itself says the same in words: what happened, what the shell said, what to do.
    const run = await json<RunDetailDto>('run', 'show', runs[0].id);
    expect(run.errorExplanation).toMatch(/^The agent's command was not found, so the agent never started\. It said: ".*\/nonexistent\/agent-cmd: not found"\. Vigil did not retry.*To fix it: install the agent's CLI or correct its command/);
    expect((await json<IssueDetailDto>('issue', 'show', issue.identifier)).status).toBe('blocked');
    // The escalation by its issue's VIG-n, and by its short id.
    const shown = await vigil(['escalation', 'dismiss', issue.identifier]);
    expect(shown).toMatchObject({ code: 0, stdout: `Dismissed the escalation of ${issue.identifier}.\n` });
    expect(await failing('escalation', 'dismiss', esc.id.slice(0, 8))).toBe(`vigil: escalation ${esc.id} is already resolved`);
  });

  it('short ids: a run, an agent and an issue by the first 8 (or 4) characters the UI shows', async () => {
    await json('agent', 'add', 'echoer', '--adapter', 'process', '--command', 'echo hello');
    const wake = await json<{ runId: string }>('wake', 'echoer');
    const short = wake.runId.slice(0, 8);
    const detail = await until('the run to end', async () => {
      const r = await json<RunDetailDto>('run', 'show', short);
      return r.finishedAt ? r : null;
    });
    expect(detail.id).toBe(wake.runId);
    expect((await json<RunDetailDto>('run', 'show', wake.runId.slice(0, 4))).id).toBe(wake.runId);
    expect((await vigil(['run', 'logs', short])).stdout).toContain('hello');
    const agent = (await json<AgentDto[]>('agent', 'list')).find((a) => a.name === 'echoer')!;
    expect((await json<AgentDto>('agent', 'show', agent.id.slice(0, 8))).name).toBe('echoer');
    const issue = await json<IssueDto>('issue', 'create', 'Short ids');
    expect((await json<IssueDetailDto>('issue', 'show', issue.id.slice(0, 8))).identifier).toBe(issue.identifier);
    expect((await json<IssueDetailDto>('issue', 'show', issue.identifier.toLowerCase())).id).toBe(issue.id);
    expect(await failing('run', 'show', 'zzzz1234')).toBe('vigil: unknown run "zzzz1234"');
    expect(await failing('run', 'show', 'abc')).toBe('vigil: unknown run "abc"');
  });

  it('--body-file - reads stdin, --body-file PATH a file; --body - is refused; the limit is said in words', async () => {
    const text = '# Plan\n\n- first line\n- second `code` line\n';
    const created = await withStdin(['--json', 'issue', 'create', 'From stdin', '--body-file', '-'], text);
    expect(created.stderr).toBe('');
    const issue = JSON.parse(created.stdout) as IssueDto;
    expect(issue.body).toBe(text);
    const comment = await withStdin(['issue', 'comment', issue.identifier, '--body-file', '-'], 'a comment\nover two lines\n');
    expect(comment).toMatchObject({ code: 0, stdout: `Commented on ${issue.identifier}.\n` });
    const file = join(scratch, 'body.md');
    writeFileSync(file, 'from a file');
    await json('issue', 'update', issue.identifier, '--body-file', file);
    const shown = await json<IssueDetailDto>('issue', 'show', issue.identifier);
    expect(shown.body).toBe('from a file');
    expect(shown.comments.map((c) => c.body)).toContain('a comment\nover two lines');
    expect(await failing('issue', 'create', 'dash', '--body', '-')).toBe("vigil: --body '-' would be stored as a dash; to read the text from stdin, use --body-file -");
    expect(await failing('issue', 'comment', issue.identifier, 'text', '--body-file', file)).toBe('vigil: give the text either as TEXT or with --body-file, not both');
    expect(await failing('issue', 'update', issue.identifier, '--body-file', join(scratch, 'missing.md'))).toBe(`vigil: --body-file: cannot read ${join(scratch, 'missing.md')}: no such file`);
    writeFileSync(file, 'a'.repeat(100_012));
    expect(await failing('issue', 'update', issue.identifier, '--body-file', file)).toBe('vigil: body: at most 100,000 characters (you gave 100,012)');
    expect(await failing('issue', 'create', ' ')).toBe('vigil: title: must not be empty');
  });
});
