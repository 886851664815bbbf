// Which failed runs are "the agent never started" (escalated at once, not retried), and the
// sentence the escalation says.
import { describe, expect, it } from 'vitest';
import { AT_ONCE_MS, classifyStartFailure, startFailureMessage, type EndedRun } from '../../../src/main/services/start-failure';

const t0 = new Date('2026-01-01T00:00:00Z');
const ended = (over: Partial<EndedRun>): EndedRun => ({
  errorCode: 'adapter_failed',
  exitCode: 127,
  error: 'the agent process exited with code 127',
  lastOutputLine: '/bin/sh: 1: /nonexistent/agent-cmd: not found',
  startedAt: t0,
  finishedAt: new Date(t0.getTime() + 40),
  ...over,
});

describe('classifyStartFailure', () => {
  it('exit 127 at once with "not found": the command is missing, quoting the shell', () => {
    const f = classifyStartFailure(ended({}));
    expect(f).toMatchObject({ cause: expect.stringContaining('was not found'), evidence: '/bin/sh: 1: /nonexistent/agent-cmd: not found' });
    expect(f!.fix).toMatch(/install|correct its command/);
  });

  it('exit 126 with "Permission denied": not executable', () => {
    const f = classifyStartFailure(ended({ exitCode: 126, lastOutputLine: '/bin/sh: 1: ./agent.sh: Permission denied' }));
    expect(f?.cause).toContain('not executable');
    expect(f?.fix).toContain('chmod +x');
  });

  it('a spawn refusal for a missing folder or executable', () => {
    expect(classifyStartFailure(ended({ errorCode: 'spawn_failed', exitCode: null, lastOutputLine: null, error: 'working folder /gone does not exist' }))?.cause).toContain('working folder');
    expect(classifyStartFailure(ended({ errorCode: 'spawn_failed', exitCode: null, lastOutputLine: null, error: 'spawn claude ENOENT' }))?.cause).toContain('not found');
  });

  it("leaves the agent's own failures alone: other exit codes, late exits, 127 without the words, Vigil's own trouble", () => {
    expect(classifyStartFailure(ended({ exitCode: 1 }))).toBeNull();
    expect(classifyStartFailure(ended({ finishedAt: new Date(t0.getTime() + AT_ONCE_MS + 1) }))).toBeNull();
    expect(classifyStartFailure(ended({ lastOutputLine: 'tests failed', error: 'exited with code 127' }))).toBeNull();
    expect(classifyStartFailure(ended({ errorCode: 'timeout' }))).toBeNull();
    expect(classifyStartFailure(ended({ errorCode: 'spawn_failed', exitCode: null, lastOutputLine: null, error: 'the pty host did not answer within 10 s' }))).toBeNull();
  });
});

describe('startFailureMessage', () => {
  it('says what happened, what the agent printed, that it was not retried, and what to do', () => {
    const text = startFailureMessage(classifyStartFailure(ended({}))!, 'VIG-4');
    expect(text).toBe(
      'VIG-4 is blocked: the agent\'s command was not found, so the agent never started. It said: "/bin/sh: 1: /nonexistent/agent-cmd: not found". ' +
        "Vigil did not retry, because it would fail the same way. To fix it: install the agent's CLI or correct its command (in the agent's settings, or `vigil agent update NAME --command ...`); then vigil escalation retry VIG-4.",
    );
  });
});
