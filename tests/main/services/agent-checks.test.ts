// Which program a process agent's command starts, as the add/update check looks it up.
import { describe, expect, it } from 'vitest';
import { programOf } from '../../../src/main/services/agent-checks';

describe('programOf', () => {
  it('the first word, past VAR=value assignments and quotes', () => {
    const programs = [['/nonexistent/agent-cmd --flag', '/nonexistent/agent-cmd'], ['FOO=1 BAR="a b" my-agent run', 'my-agent'], ["'/opt/my agent/bin' x", '/opt/my agent/bin'], ['node script.js | tee out', 'node']];
    for (const [cmd, program] of programs) expect(programOf(cmd), cmd).toBe(program);
  });

  it("nothing to look up when the shell runs it itself, or Vigil provides it", () => {
    for (const cmd of ['exec foo', 'cd /x && make', 'echo hi', 'unset VIGIL_RUN_TOKEN; vigil issue show', 'umask 077; x', 'until false; do x; done', 'export A=1; x', 'for i in 1; do x; done', '$AGENT run', 'vigil issue comment "$VIGIL_ISSUE_ID" hi', '~/bin/agent']) {
      expect(programOf(cmd), cmd).toBeNull();
    }
  });
});
