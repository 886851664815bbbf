// The adapters end to end: the command they build runs the fake CLIs of tests/fixtures/adapters/bin
// in a real pty, and the parser reads the pty's bytes as they come.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { spawnInPty } from '../../../src/node/process/pty';
import { getAdapter } from '../../../src/main/adapters/index';
import type { AdapterCommand, AdapterEvent, AdapterResult, AdapterRunContext } from '../../../src/main/adapters/types';
import type { AdapterType } from '../../../src/shared/domain';
import { FAKE_BIN_DIR, makeContext, ptyBytes } from '../../fixtures/adapters/context';

interface PtyRun {
  exitCode: number;
  raw: Buffer;
  events: AdapterEvent[];
  result: AdapterResult;
}

function runInPty(type: AdapterType, ctx: AdapterRunContext): Promise<PtyRun> {
  const adapter = getAdapter(type);
  const command: AdapterCommand = adapter.buildCommand(ctx);
  const parser = adapter.createParser();
  const received: Buffer[] = [];
  const events: AdapterEvent[] = [];
  return new Promise((resolve) => {
    // Vigil's own spawn, not node-pty's public one: that one may fire its exit before the last
    // chunk of output was read (the result line went missing in CI), which Vigil's never does.
    const proc = spawnInPty({ file: command.file, args: command.args, cwd: command.cwd, env: command.env, cols: 120, rows: 40 });
    proc.onData((chunk) => {
      received.push(chunk);
      events.push(...parser.push(chunk));
    });
    proc.onExit(({ exitCode }) => {
      events.push(...parser.end());
      resolve({ exitCode: exitCode ?? -1, raw: Buffer.concat(received), events, result: parser.result() });
    });
  });
}

function offline(type: AdapterType, fixture: string): { events: AdapterEvent[]; result: AdapterResult } {
  const parser = getAdapter(type).createParser();
  const events = [...parser.push(ptyBytes(fixture)), ...parser.end()];
  return { events, result: parser.result() };
}

interface RecordedRun {
  argv: string[];
  cwd: string;
  vigilEnv: string[];
}

function recordedRuns(file: string): RecordedRun[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RecordedRun);
}

let dir: string;
let argvFile: string;
let env: Record<string, string>;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-adapters-')));
  argvFile = join(dir, 'argv.jsonl');
  env = {
    PATH: [FAKE_BIN_DIR, dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter),
    HOME: dir,
    VIGIL_RUN_TOKEN: 'tok_secret_123',
    FAKE_CLAUDE_ARGV_FILE: argvFile,
    FAKE_CODEX_ARGV_FILE: argvFile,
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['claude_local', 'claude-success.jsonl', '--resume'],
  ['codex_local', 'codex-success.jsonl', 'resume'],
] as const)('%s through a real pty', (type, fixture, resumeFlag) => {
  it('parses the fake CLI output as it streams, then resumes the session it reported', async () => {
    const first = await runInPty(type, makeContext({ env }, { adapterType: type, cwd: dir }));
    expect(first.exitCode).toBe(0);
    expect(first.raw.includes('\r\n')).toBe(true); // the pty's ONLCR really was in the way
    expect(first).toMatchObject(offline(type, fixture));
    expect(first.result.sessionId).toEqual(expect.any(String));

    const second = await runInPty(
      type,
      makeContext({ env, resumeSessionId: first.result.sessionId, wakeReason: 'issue_commented' }, { adapterType: type, cwd: dir }),
    );
    expect(second.exitCode).toBe(0);

    const [run1, run2] = recordedRuns(argvFile);
    const built = getAdapter(type).buildCommand(makeContext({ env }, { adapterType: type, cwd: dir }));
    expect(run1).toEqual({ argv: built.args, cwd: dir, vigilEnv: ['VIGIL_RUN_TOKEN'] });
    expect(run1.argv).not.toContain(resumeFlag);
    const at = run2.argv.indexOf(resumeFlag);
    expect(run2.argv.slice(at, at + 2)).toEqual([resumeFlag, first.result.sessionId]);
    expect(run2.argv.at(-1)).toMatch(/commented on the issue/);
  });
});

describe('failures through a real pty', () => {
  it('claude_local: a failed run keeps its exit code and its reason (real unauthenticated output)', async () => {
    const run = await runInPty(
      'claude_local',
      makeContext({ env: { ...env, FAKE_CLAUDE_FIXTURE: 'claude-not-logged-in.jsonl', FAKE_CLAUDE_EXIT: '1' } }, { cwd: dir }),
    );
    expect(run.exitCode).toBe(1);
    expect(run.result.summary).toBe('Not logged in · Please run /login');
    expect(run.events.at(-1)).toMatchObject({ type: 'result', message: 'Failed: Not logged in · Please run /login' });
  });

  it('codex_local: a failed turn keeps its exit code and its reason', async () => {
    const run = await runInPty(
      'codex_local',
      makeContext(
        { env: { ...env, FAKE_CODEX_FIXTURE: 'codex-turn-failed.jsonl', FAKE_CODEX_EXIT: '1' } },
        { adapterType: 'codex_local', cwd: dir },
      ),
    );
    expect(run.exitCode).toBe(1);
    expect(run.result).toMatchObject({ summary: 'stream error: unexpected status 401 Unauthorized', usage: null });
  });

  it('process: runs the shell command and turns none of its output into events', async () => {
    const run = await runInPty(
      'process',
      makeContext({ env }, { adapterType: 'process', cwd: dir, command: `printf '{"type":"result"}\\nhéllo %s\\n' "$PWD"; exit 3` }),
    );
    expect(run.exitCode).toBe(3);
    expect(run.raw.toString('utf8')).toContain(`héllo ${dir}\r\n`);
    expect(run.events).toEqual([]);
    expect(run.result).toEqual({ sessionId: null, sessionUnknown: false, usage: null, summary: null });
  });
});
