import { describe, expect, it } from 'vitest';
import { buildPrompt, getAdapter } from '../../../src/main/adapters/index';
import { CLAUDE_VIGIL_TOOL_RULE } from '../../../src/main/adapters/claude-local';
import { CODEX_DEFAULT_SANDBOX } from '../../../src/main/adapters/codex-local';
import { fixtureBytes, makeContext } from '../../fixtures/adapters/context';
import { CLAUDE_VIGIL_MCP_RULE } from '../../../src/main/mcp/claude-config';

/** Every long option a help text documents, e.g. "--output-format". */
function documentedOptions(helpFile: string): Set<string> {
  return new Set(fixtureBytes(`help/${helpFile}`).toString('utf8').match(/--[a-zA-Z][a-zA-Z0-9-]*/g) ?? []);
}

function optionsIn(args: string[]): string[] {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).filter((arg) => arg.startsWith('--'));
}

/** What a CLI adapter starts for `ctx` in the default context's agent folder: `file args`, the prepared env, and the prompt it was given. */
function startedInShop(ctx: ReturnType<typeof makeContext>, file: string, args: string[]) {
  return { file, args, cwd: '/home/dev/shop', env: ctx.env, prompt: buildPrompt(ctx) };
}

describe('process adapter', () => {
  const adapter = getAdapter('process');

  it('runs the command with /bin/sh -c in the agent folder, with the prepared env as is', () => {
    const ctx = makeContext({}, { adapterType: 'process', command: 'npm run nightly && echo "done"' });
    expect(adapter.buildCommand(ctx)).toEqual({
      file: '/bin/sh',
      args: ['-c', 'npm run nightly && echo "done"'],
      cwd: '/home/dev/shop',
      env: ctx.env,
    });
  });

  it('falls back to the default folder and ignores model, args and resume', () => {
    const ctx = makeContext(
      { resumeSessionId: 'sess_1' },
      { adapterType: 'process', command: 'make', cwd: null, model: 'opus', args: ['--x'] },
    );
    expect(adapter.buildCommand(ctx)).toMatchObject({ args: ['-c', 'make'], cwd: '/var/lib/vigil/workspace' });
  });

  it('refuses an agent without a command', () => {
    expect(() => adapter.buildCommand(makeContext({}, { adapterType: 'process', command: null }))).toThrow(/no command/);
  });
});

describe('claude_local adapter', () => {
  const adapter = getAdapter('claude_local');

  it('runs claude in print mode with stream-json, the prompt last after --', () => {
    const ctx = makeContext();
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--allowedTools', CLAUDE_VIGIL_TOOL_RULE, CLAUDE_VIGIL_MCP_RULE, '--', buildPrompt(ctx)];
    expect(adapter.buildCommand(ctx)).toEqual(startedInShop(ctx, 'claude', args));
  });

  it('resumes the session, sets the model, then appends the agent args before --', () => {
    const ctx = makeContext(
      { resumeSessionId: '5f0c2a8e-3b7d-4c1e-9a62-d4e8f1b07c35' },
      { model: 'sonnet', args: ['--add-dir', '../shared', '../docs', '--permission-mode', 'acceptEdits'] },
    );
    const { args } = adapter.buildCommand(ctx);
    expect(args.slice(7)).toEqual(['--resume', '5f0c2a8e-3b7d-4c1e-9a62-d4e8f1b07c35', '--model', 'sonnet', '--add-dir', '../shared', '../docs', '--permission-mode', 'acceptEdits', '--', buildPrompt(ctx)]);
  });

  it('uses agent.command as the executable and the default folder when the agent has none', () => {
    const command = adapter.buildCommand(makeContext({}, { command: '/opt/claude/bin/claude', cwd: null }));
    expect(command.file).toBe('/opt/claude/bin/claude');
    expect(command.cwd).toBe('/var/lib/vigil/workspace');
  });

  it('only uses options that claude 2.1.197 documents', () => {
    const documented = documentedOptions('claude-help.txt');
    const { args } = adapter.buildCommand(makeContext({ resumeSessionId: 's' }, { model: 'opus' }));
    for (const option of optionsIn(args)) expect(documented).toContain(option);
    expect(documented).toContain('--print'); // -p
  });
});

describe('codex_local adapter', () => {
  const adapter = getAdapter('codex_local');

  it('runs codex exec --json in the agent folder with a workspace-write sandbox, the prompt last after --', () => {
    const ctx = makeContext({}, { adapterType: 'codex_local' });
    const args = ['exec', '--json', '--skip-git-repo-check', '--cd', '/home/dev/shop', '--sandbox', CODEX_DEFAULT_SANDBOX, '--', buildPrompt(ctx)];
    expect(adapter.buildCommand(ctx)).toEqual(startedInShop(ctx, 'codex', args));
  });

  it('resumes with the exec resume subcommand after the exec options, model and agent args', () => {
    const ctx = makeContext(
      { resumeSessionId: '01a2139f-7c2e-7d10-b5a4-3f9e6c1d2a77' },
      { adapterType: 'codex_local', model: 'gpt-5-codex', args: ['-c', 'model_reasoning_effort="high"'], cwd: null },
    );
    const { args, cwd } = adapter.buildCommand(ctx);
    expect(cwd).toBe('/var/lib/vigil/workspace');
    expect(args).toEqual(['exec', '--json', '--skip-git-repo-check', '--cd', '/var/lib/vigil/workspace', '--sandbox', 'workspace-write', '--model', 'gpt-5-codex', '-c', 'model_reasoning_effort="high"', 'resume', '01a2139f-7c2e-7d10-b5a4-3f9e6c1d2a77', '--', buildPrompt(ctx)]);
  });

  it.each([
    [['--sandbox', 'read-only']],
    [['-s', 'danger-full-access']],
    [['--sandbox=read-only']],
    [['--dangerously-bypass-approvals-and-sandbox']],
    [['-c', 'sandbox_mode="danger-full-access"']],
  ])('leaves the sandbox to agent args %j', (agentArgs) => {
    const { args } = adapter.buildCommand(makeContext({}, { adapterType: 'codex_local', args: agentArgs }));
    expect(args.filter((arg) => arg === CODEX_DEFAULT_SANDBOX)).toEqual([]);
    expect(args).toEqual(expect.arrayContaining(agentArgs));
  });

  it('uses agent.command as the executable', () => {
    const command = adapter.buildCommand(makeContext({}, { adapterType: 'codex_local', command: '/usr/local/bin/codex' }));
    expect(command.file).toBe('/usr/local/bin/codex');
  });

  it('only uses options that codex exec 0.169.0 documents', () => {
    const exec = documentedOptions('codex-exec-help.txt');
    const resume = documentedOptions('codex-exec-resume-help.txt');
    const fresh = adapter.buildCommand(makeContext({}, { adapterType: 'codex_local', model: 'o3' })).args;
    for (const option of optionsIn(fresh)) expect(exec).toContain(option);
    const resumed = adapter.buildCommand(makeContext({ resumeSessionId: 't' }, { adapterType: 'codex_local' })).args;
    const sub = resumed.indexOf('resume');
    for (const option of optionsIn(resumed.slice(0, sub))) expect(exec).toContain(option);
    for (const option of optionsIn(resumed.slice(sub))) expect(resume).toContain(option);
  });
});

describe('getAdapter', () => {
  it('returns the adapter of each type', () => {
    for (const type of ['process', 'claude_local', 'codex_local'] as const) expect(getAdapter(type).type).toBe(type);
  });
});
