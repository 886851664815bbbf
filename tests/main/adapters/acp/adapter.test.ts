// The acp adapter's declared shape and command: it runs `vigil acp-client` with the agent's ACP
// command, the run's folder and the session to resume in its environment, and the prompt in a
// private file; an acp agent without a command is refused when it is added.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getAdapter } from '../../../../src/main/adapters/index';
import type { AdapterRunContext } from '../../../../src/main/adapters/types';
import { calls } from '../../../../src/shared/contract';

const home = mkdtempSync(join(tmpdir(), 'vigil-acp-adapter-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const ctx = (over: Partial<AdapterRunContext> = {}): AdapterRunContext => ({
  runId: 'run-1',
  agent: { id: 'a1', name: 'gem', adapterType: 'acp', command: 'gemini --experimental-acp', cwd: '/srv/project', model: null, args: ['--model', 'x y'] },
  issue: null,
  wakeReason: 'on_demand',
  retryReason: null,
  resumeSessionId: null,
  env: { VIGIL_HOME: home, PATH: '/nowhere', VIGIL_RUN_TOKEN: 't' },
  defaultCwd: '/home/someone',
  ...over,
});

describe('the acp adapter', () => {
  const adapter = getAdapter('acp');

  it('declares an ACP transport with transcript, resume, permission requests and live input', () => {
    expect(adapter.info.transport).toBe('acp');
    expect(adapter.info.capabilities).toMatchObject({ transcript: true, resume: true, permissionRequests: true, liveInput: true });
  });

  it('runs vigil acp-client with the agent command, folder and prompt file; a resume names the session', () => {
    const cmd = adapter.buildCommand(ctx({ resumeSessionId: 'sess-9' }));
    expect(cmd.args).toEqual(['acp-client']);
    expect(cmd.file).toBe('vigil');
    expect(cmd.cwd).toBe('/srv/project');
    expect(cmd.env.VIGIL_ACP_COMMAND).toBe("gemini --experimental-acp --model 'x y'");
    expect(cmd.env.VIGIL_ACP_CWD).toBe('/srv/project');
    expect(cmd.env.VIGIL_ACP_RESUME).toBe('sess-9');
    const file = cmd.env.VIGIL_ACP_PROMPT_FILE;
    expect(readFileSync(file, 'utf8')).toBe(cmd.prompt);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(adapter.buildCommand(ctx()).env.VIGIL_ACP_RESUME).toBeUndefined();
  });

  it('refuses to build without a command, and an acp agent without one is refused when added', () => {
    expect(() => adapter.buildCommand(ctx({ agent: { ...ctx().agent, command: null } }))).toThrow(/has no command/);
    const parsed = calls['agents.create'].input.safeParse({ name: 'x', adapterType: 'acp' });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('the acp adapter needs --command');
  });
});
