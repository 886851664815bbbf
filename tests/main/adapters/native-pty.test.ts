// The native adapters end to end in a real pty: the command each builds runs its stand-in
// (tests/fixtures/adapters/bin), which prints the recorded fixture; the parser reads the pty's
// bytes as they come (\r\n endings, chunks split anywhere), and a second run resumes the session.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { spawnInPty } from '../../../src/node/process/pty';
import { getAdapter } from '../../../src/main/adapters/index';
import type { AdapterEvent, AdapterResult, AdapterRunContext } from '../../../src/main/adapters/types';
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
  const command = adapter.buildCommand(ctx);
  const parser = adapter.createParser();
  const received: Buffer[] = [];
  const events: AdapterEvent[] = [];
  return new Promise((resolve) => {
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

/** Where each CLI takes the session to resume, as its argv shows it. */
const CASES = [
  { type: 'gemini_local', bin: 'gemini', resume: (id: string) => ['--resume', id] },
  { type: 'qwen_local', bin: 'qwen', resume: (id: string) => ['--resume', id] },
  { type: 'opencode_local', bin: 'opencode', resume: (id: string) => ['--session', id] },
  { type: 'cursor_local', bin: 'cursor-agent', resume: (id: string) => ['--resume', id] },
  { type: 'copilot_local', bin: 'copilot', resume: (id: string) => [`--resume=${id}`] },
  { type: 'amp_local', bin: 'amp', resume: (id: string) => ['threads', 'continue', id] },
  { type: 'droid_local', bin: 'droid', resume: (id: string) => ['--session-id', id] },
] as const;

const contains = (argv: string[], part: string[]) => argv.some((_, i) => part.every((p, j) => argv[i + j] === p));

let dir: string;
let argvFile: string;
let env: Record<string, string>;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-native-adapters-')));
  argvFile = join(dir, 'argv.jsonl');
  env = { PATH: [FAKE_BIN_DIR, dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter), HOME: dir, VIGIL_RUN_TOKEN: 'tok_secret_123' };
  for (const c of CASES) env[`FAKE_${c.bin.toUpperCase().replace(/-/g, '_')}_ARGV_FILE`] = argvFile;
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each(CASES)('$type through a real pty', ({ type, resume }) => {
  it('parses the stand-in output as it streams, then resumes the session it reported', async () => {
    const first = await runInPty(type, makeContext({ env }, { adapterType: type, cwd: dir }));
    expect(first.exitCode).toBe(0);
    expect(first.raw.includes('\r\n')).toBe(true);
    expect(first).toMatchObject(offline(type, `${type}/success.jsonl`));
    const session = first.result.sessionId;
    expect(session).toEqual(expect.any(String));
    expect(first.events.some((e) => e.type === 'tool_use')).toBe(true);

    const second = await runInPty(type, makeContext({ env, resumeSessionId: session, wakeReason: 'issue_commented' }, { adapterType: type, cwd: dir }));
    expect(second.exitCode).toBe(0);
    const [run1, run2] = readFileSync(argvFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; cwd: string; vigilEnv: string[] });
    expect(run1).toEqual({ argv: getAdapter(type).buildCommand(makeContext({ env }, { adapterType: type, cwd: dir })).args, cwd: dir, vigilEnv: ['VIGIL_RUN_TOKEN'] });
    expect(contains(run1.argv, resume(session!))).toBe(false);
    expect(contains(run2.argv, resume(session!))).toBe(true);
    expect(run2.argv.at(-1)).toMatch(/commented on the issue/);
  });
});

describe('failures through a real pty', () => {
  it.each([
    ['gemini_local', 'GEMINI', 'gemini_local/not-logged-in.txt', '41', /^Please set an Auth method/],
    ['qwen_local', 'QWEN', 'qwen_local/not-logged-in.jsonl', '1', /^No auth type is selected/],
    ['copilot_local', 'COPILOT', 'copilot_local/not-logged-in.txt', '1', /^Error: No authentication information found/],
  ] as const)('%s: a run without a login keeps its exit code and says so', async (type, prefix, fixture, exit, words) => {
    const run = await runInPty(type, makeContext({ env: { ...env, [`FAKE_${prefix}_FIXTURE`]: fixture, [`FAKE_${prefix}_EXIT`]: exit } }, { adapterType: type, cwd: dir }));
    expect(run.exitCode).toBe(Number(exit));
    expect(run.result.summary).toMatch(words);
    expect(run.events.some((e) => (e.type === 'error' || e.type === 'result') && words.test((e.payload as { message?: string; errors?: string[] }).message ?? (e.payload as { errors?: string[] }).errors?.[0] ?? ''))).toBe(true);
  });
});
