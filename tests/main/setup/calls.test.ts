// The first-run calls: agent CLIs found on PATH with their versions (real stand-in executables),
// folders checked, and the folder picker refused where there is no desktop app.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAgentClis, findOnPath, versionOf } from '../../../src/main/setup/agent-clis';
import { checkFolder } from '../../../src/main/setup/folders';
import { ContractError } from '../../../src/shared/errors';
import { startTestHost, type TestHost } from '../../helpers/host';
import { describeEachStore, tempDir } from '../../helpers/stores';

function executable(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('agent CLIs on PATH', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeAll(() => {
    dir = tempDir('vigil-clis-');
  });
  afterAll(() => dir.cleanup());

  it('finds claude with its version and reports every other adapter\'s CLI as missing', async () => {
    const bin = join(dir.dir, 'one');
    const claude = executable(bin, 'claude', "echo '2.1.197 (Claude Code)'");
    const clis = await findAgentClis({ PATH: `${join(dir.dir, 'nowhere')}:${bin}` });
    expect(clis.map((c) => [c.adapterType, c.command, c.path, c.version])).toEqual([
      ['claude_local', 'claude', claude, '2.1.197 (Claude Code)'],
      ['codex_local', 'codex', null, null],
      ['gemini_local', 'gemini', null, null],
      ['qwen_local', 'qwen', null, null],
      ['opencode_local', 'opencode', null, null],
      ['cursor_local', 'cursor-agent', null, null],
      ['copilot_local', 'copilot', null, null],
      ['amp_local', 'amp', null, null],
      ['droid_local', 'droid', null, null],
    ]);
    expect(clis[0]).toEqual({
      adapterType: 'claude_local',
      command: 'claude',
      label: 'Claude Code',
      install: 'npm install -g @anthropic-ai/claude-code',
      login: expect.stringContaining('claude'),
      transport: 'pty',
      capabilities: { transcript: true, resume: true, tokens: true, cost: true, permissionRequests: true, liveInput: false },
      versionArgs: ['--version'],
      path: claude,
      version: '2.1.197 (Claude Code)',
      problem: null,
    });
    expect(clis.find((c) => c.adapterType === 'gemini_local')).toMatchObject({ label: 'Gemini CLI', install: 'npm install -g @google/gemini-cli' });
  });

  it('takes the first match on PATH, skips files that are not executable', async () => {
    const first = join(dir.dir, 'first');
    const second = join(dir.dir, 'second');
    mkdirSync(first, { recursive: true });
    writeFileSync(join(first, 'codex'), 'not executable');
    const codex = executable(second, 'codex', 'echo codex-cli 0.169.0');
    expect(findOnPath('codex', `${first}:${second}`)).toBe(codex);
    const [, found] = await findAgentClis({ PATH: `${first}:${second}` });
    expect(found).toMatchObject({ path: codex, version: 'codex-cli 0.169.0', problem: null });
  });

  it('names a CLI whose --version fails or hangs, without waiting for it', async () => {
    const failing = executable(join(dir.dir, 'bad'), 'claude', "echo 'please log in' >&2; exit 3");
    expect(await versionOf(failing)).toEqual({ version: null, problem: `\`${failing} --version\` exited 3: please log in` });
    const hanging = executable(join(dir.dir, 'slow'), 'claude', 'exec sleep 30');
    const started = Date.now();
    const answer = await versionOf(hanging, process.env, 500);
    expect(answer).toEqual({ version: null, problem: `\`${hanging} --version\` did not answer within 1 s` });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('folder checks', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeAll(() => {
    dir = tempDir('vigil-folders-');
  });
  afterAll(() => dir.cleanup());

  it('accepts a writable folder, expands ~, and knows a git work tree', () => {
    expect(checkFolder(dir.dir)).toEqual({ path: dir.dir, ok: true, problem: null, gitRepo: false });
    mkdirSync(join(dir.dir, 'repo', '.git', 'objects'), { recursive: true });
    mkdirSync(join(dir.dir, 'repo', 'src'));
    expect(checkFolder(join(dir.dir, 'repo', 'src'))).toMatchObject({ ok: true, gitRepo: true });
    expect(checkFolder('~', dir.dir)).toMatchObject({ path: dir.dir, ok: true });
    expect(checkFolder('~/repo', dir.dir)).toMatchObject({ path: join(dir.dir, 'repo'), ok: true });
  });

  it('names what is wrong: relative, missing, a file, not writable', () => {
    expect(checkFolder('src/app')).toMatchObject({ ok: false, problem: 'give the full path of the folder (starting with / or ~/)' });
    expect(checkFolder(join(dir.dir, 'nope'))).toMatchObject({ ok: false, problem: 'there is no such folder' });
    writeFileSync(join(dir.dir, 'file.txt'), 'x');
    expect(checkFolder(join(dir.dir, 'file.txt'))).toMatchObject({ ok: false, problem: 'this is a file, not a folder' });
    // Linux refuses writes to /proc/sys itself to everyone, root included, so this runs in CI (as root) too.
    expect(checkFolder('/proc/sys')).toMatchObject({ ok: false, problem: expect.stringContaining('cannot write') });
    if (process.getuid?.() !== 0) {
      // A 0500 folder of one's own; root may write anywhere, so only a non-root run can check it.
      mkdirSync(join(dir.dir, 'locked'), { mode: 0o500 });
      expect(checkFolder(join(dir.dir, 'locked'))).toMatchObject({ ok: false, problem: expect.stringContaining('cannot write') });
    }
  });
});

describeEachStore('setup calls on a host without the desktop app', (kind) => {
  let host: TestHost;
  let dir: { dir: string; cleanup: () => void };
  const savedPath = process.env.PATH;
  beforeAll(async () => {
    dir = tempDir('vigil-setup-host-');
    executable(join(dir.dir, 'bin'), 'claude', "echo '2.1.197 (Claude Code)'");
    process.env.PATH = `${join(dir.dir, 'bin')}:${savedPath}`;
    host = await startTestHost(kind, { startScheduler: false });
  }, 120_000);
  afterAll(async () => {
    process.env.PATH = savedPath;
    await host?.stop();
    host?.target.cleanup();
    dir?.cleanup();
  });

  it('setup.detect: the CLIs, a typed-path picker, and the folders worth offering', async () => {
    const work = join(dir.dir, 'work');
    mkdirSync(work);
    await host.call('agents.create', { name: 'old', adapterType: 'process', command: 'true', cwd: work });
    const info = await host.call('setup.detect', {});
    expect(info.clis[0]).toMatchObject({ adapterType: 'claude_local', path: join(dir.dir, 'bin', 'claude'), version: '2.1.197 (Claude Code)' });
    expect(info.folderPicker).toBe('path');
    expect(info.home).toBe(homedir());
    expect(info.suggestedFolders[0]).toBe(work);
    expect(info.suggestedFolders).toContain(homedir());
    expect(info.suggestedFolders).not.toContain('/');
  });

  it('setup.pickFolder is refused as unsupported, saying to type the path', async () => {
    const err = await host.call('setup.pickFolder', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect(err).toMatchObject({ code: 'unsupported', message: expect.stringContaining('type the folder path') });
  });

  it('setup.checkFolder checks through the contract', async () => {
    expect(await host.call('setup.checkFolder', { path: dir.dir })).toMatchObject({ path: dir.dir, ok: true });
    expect(await host.call('setup.checkFolder', { path: join(dir.dir, 'missing') })).toMatchObject({ ok: false, problem: 'there is no such folder' });
    await expect(host.call('setup.checkFolder', { path: '  ' })).rejects.toMatchObject({ code: 'invalid_input', field: 'path' });
  });
});
