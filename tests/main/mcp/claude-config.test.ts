// The Claude Code command line of a run asks Vigil: --mcp-config names `vigil mcp` with the
// run's identity (a private file), and --permission-prompt-tool names its tool as Claude Code
// spells MCP tools (mcp__<server>__<tool>).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeLocalAdapter } from '../../../src/main/adapters/claude-local';
import { CLAUDE_PERMISSION_PROMPT_TOOL, claudeVigilArgs } from '../../../src/main/mcp/claude-config';

const home = mkdtempSync(join(tmpdir(), 'vigil-claude-config-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const bin = join(home, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'vigil'), '#!/bin/sh\n');
chmodSync(join(bin, 'vigil'), 0o755);

const env = { PATH: `${bin}:/usr/bin`, VIGIL_HOME: home, VIGIL_RUN_TOKEN: 'tok-1', VIGIL_RUN_ID: 'run-1', VIGIL_AGENT_ID: 'agent-1', VIGIL_ISSUE_ID: 'issue-1', SECRET_OF_AGENT: 'x' };

describe('claude_local asks Vigil', () => {
  it('names the permission tool as Claude Code spells it', () => {
    expect(CLAUDE_PERMISSION_PROMPT_TOOL).toBe('mcp__vigil__permission_prompt');
  });

  it("writes the run's MCP config, private, naming vigil mcp with the run's identity only", () => {
    const args = claudeVigilArgs('run-1', env);
    const file = join(home, 'mcp', 'run-1.json');
    expect(args).toEqual(['--mcp-config', file, '--permission-prompt-tool', 'mcp__vigil__permission_prompt']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      mcpServers: {
        vigil: {
          type: 'stdio',
          command: join(bin, 'vigil'),
          args: ['mcp'],
          env: { VIGIL_HOME: home, VIGIL_RUN_TOKEN: 'tok-1', VIGIL_RUN_ID: 'run-1', VIGIL_AGENT_ID: 'agent-1', VIGIL_ISSUE_ID: 'issue-1' },
        },
      },
    });
  });

  it('adds nothing without a run identity to give', () => {
    expect(claudeVigilArgs('run-2', { PATH: '/usr/bin' })).toEqual([]);
  });

  it('the adapter puts them before the prompt', () => {
    const command = claudeLocalAdapter.buildCommand({
      runId: 'run-3',
      agent: { id: 'a', name: 'claude', adapterType: 'claude_local', command: null, cwd: home, model: null, args: [] },
      issue: null,
      wakeReason: null,
      retryReason: null,
      resumeSessionId: null,
      env,
      defaultCwd: home,
    });
    const at = command.args.indexOf('--permission-prompt-tool');
    expect(command.args[at + 1]).toBe('mcp__vigil__permission_prompt');
    expect(command.args.indexOf('--mcp-config')).toBeGreaterThan(-1);
    expect(at).toBeLessThan(command.args.indexOf('--'));
    expect(command.args).toContain('mcp__vigil');
  });
});
