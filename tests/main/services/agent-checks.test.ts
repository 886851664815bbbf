// Which program a process agent's command starts, as the add/update check looks it up.
import { describe, expect, it } from 'vitest';
import { programOf } from '../../../src/main/services/agent-checks';

describe('programOf', () => {
  it('the first word, past VAR=value assignments and quotes', () => {
    expect(programOf('/nonexistent/agent-cmd --flag')).toBe('/nonexistent/agent-cmd');
    expect(programOf('FOO=1 BAR="a b" my-agent run')).toBe('my-agent');
    expect(programOf("'/opt/my agent/bin' x")).toBe('/opt/my agent/bin');
    expect(programOf('node script.js | tee out')).toBe('node');
  });

  it("nothing to look up when the shell runs it itself, or Vigil provides it", () => {
    for (const cmd of ['exec foo', 'cd /x && make', 'echo hi', 'unset VIGIL_RUN_TOKEN; vigil issue show', 'umask 077; x', 'until false; do x; done', 'export A=1; x', 'for i in 1; do x; done', '$AGENT run', 'vigil issue comment "$VIGIL_ISSUE_ID" hi', '~/bin/agent']) {
      expect(programOf(cmd), cmd).toBeNull();
    }
  });
});
