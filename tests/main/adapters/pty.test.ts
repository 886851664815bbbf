// The adapters end to end: the command they build runs the fake CLIs of tests/fixtures/adapters/bin
// in a real pty, and the parser reads the pty's bytes as they come.
import { describe, expect, it } from 'vitest';
import { getAdapter } from '../../../src/main/adapters/index';
import { makeContext } from '../../fixtures/adapters/context';
import { fakeCliFolderPerTest, offline, recordedRuns, runInPty } from '../../helpers/adapter-pty';

const fake = fakeCliFolderPerTest('vigil-adapters-', ['claude', 'codex']);

describe.each([
  ['claude_local', 'claude-success.jsonl', '--resume'],
  ['codex_local', 'codex-success.jsonl', 'resume'],
] as const)('%s through a real pty', (type, fixture, resumeFlag) => {
  it('parses the fake CLI output as it streams, then resumes the session it reported', async () => {
    const { dir, env, argvFile } = fake;
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
    const { dir, env } = fake;
    const run = await runInPty(
      'claude_local',
      makeContext({ env: { ...env, FAKE_CLAUDE_FIXTURE: 'claude-not-logged-in.jsonl', FAKE_CLAUDE_EXIT: '1' } }, { cwd: dir }),
    );
    expect(run.exitCode).toBe(1);
    expect(run.result.summary).toBe('Not logged in · Please run /login');
    expect(run.events.at(-1)).toMatchObject({ type: 'result', message: 'Failed: Not logged in · Please run /login' });
  });

  it('codex_local: a failed turn keeps its exit code and its reason', async () => {
    const { dir, env } = fake;
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
    const { dir, env } = fake;
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
