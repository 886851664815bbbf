// The native adapters end to end in a real pty: the command each builds runs its stand-in
// (tests/fixtures/adapters/bin), which prints the recorded fixture; the parser reads the pty's
// bytes as they come (\r\n endings, chunks split anywhere), and a second run resumes the session.
import { describe, expect, it } from 'vitest';
import { getAdapter } from '../../../src/main/adapters/index';
import { makeContext } from '../../fixtures/adapters/context';
import { fakeCliFolderPerTest, offline, recordedRuns, runInPty } from '../../helpers/adapter-pty';

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

const fake = fakeCliFolderPerTest('vigil-native-adapters-', CASES.map((c) => c.bin));

describe.each(CASES)('$type through a real pty', ({ type, resume }) => {
  it('parses the stand-in output as it streams, then resumes the session it reported', async () => {
    const { dir, env, argvFile } = fake;
    const first = await runInPty(type, makeContext({ env }, { adapterType: type, cwd: dir }));
    expect(first.exitCode).toBe(0);
    expect(first.raw.includes('\r\n')).toBe(true);
    expect(first).toMatchObject(offline(type, `${type}/success.jsonl`));
    const session = first.result.sessionId;
    expect(session).toEqual(expect.any(String));
    expect(first.events.some((e) => e.type === 'tool_use')).toBe(true);

    const second = await runInPty(type, makeContext({ env, resumeSessionId: session, wakeReason: 'issue_commented' }, { adapterType: type, cwd: dir }));
    expect(second.exitCode).toBe(0);
    const [run1, run2] = recordedRuns(argvFile);
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
    const { dir, env } = fake;
    const run = await runInPty(type, makeContext({ env: { ...env, [`FAKE_${prefix}_FIXTURE`]: fixture, [`FAKE_${prefix}_EXIT`]: exit } }, { adapterType: type, cwd: dir }));
    expect(run.exitCode).toBe(Number(exit));
    expect(run.result.summary).toMatch(words);
    expect(run.events.some((e) => (e.type === 'error' || e.type === 'result') && words.test((e.payload as { message?: string; errors?: string[] }).message ?? (e.payload as { errors?: string[] }).errors?.[0] ?? ''))).toBe(true);
  });
});
