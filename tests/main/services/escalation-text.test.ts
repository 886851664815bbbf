// A failed-after-retry escalation in words: what happened, the agent's last line, what to do.
import { expect, it } from 'vitest';
import { failedAfterRetryMessage } from '../../../src/main/services/escalation-text';

it('says what happened, quotes the last line, and gives the commands to look and retry (short ids only)', () => {
  const text = failedAfterRetryMessage(
    { id: '89a20b77-1234-4abc-8def-0123456789ab', errorCode: 'adapter_failed', exitCode: 1, signal: null, lastOutputLine: 'Error: tests failed (3)' },
    'VIG-2',
  );
  expect(text).toBe(
    'VIG-2 is blocked: the agent failed (exit code 1), and so did Vigil\'s automatic retry. Its last line: "Error: tests failed (3)". ' +
      'To fix it: read what the agent did (vigil run logs 89a20b77), fix the cause, then vigil escalation retry VIG-2.',
  );
  expect(text).not.toMatch(/adapter_failed|issue_continuation_needed|89a20b77-/);
});
