// `vigil doctor` as a user runs it (the built CLI, a real child process), with no host running,
// on a healthy machine and folder and on a broken one; then next to a running and a hung Vigil.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStartIdentity } from '../../src/node/process/identity';
import { lockPathOf } from '../../src/node/paths';
import type { Finding } from '../../src/cli/doctor';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, vigil } from '../helpers/serve';
import { pgUrl } from '../helpers/stores';

interface Report {
  ok: boolean;
  dataDir: string;
  findings: Finding[];
}

function standIn(dir: string, name: string, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

async function doctor(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; report: Report; stderr: string }> {
  const result = await vigil(['doctor', '--json'], { dataDir, env });
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const byId = (report: Report) => Object.fromEntries(report.findings.map((f) => [f.id, f]));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('vigil doctor', () => {
  let tmp: ReturnType<typeof tempDataDir>;
  let healthyEnv: NodeJS.ProcessEnv;
  let sys: string;
  beforeAll(() => {
    ensureBuilt();
    tmp = tempDataDir('vigil-doctor-');
    const bin = join(tmp.dir, 'bin');
    sys = join(tmp.dir, 'sys');
    standIn(bin, 'claude', "echo '2.1.197 (Claude Code)'");
    standIn(bin, 'codex', "echo 'codex-cli 0.169.0'");
    standIn(bin, 'electron', 'exit 0');
    // The system's tools without the agent CLIs this machine may have in /usr/bin (another
    // install of qwen there would change what doctor finds): git and sh only.
    mkdirSync(sys, { recursive: true });
    for (const tool of ['git', 'sh']) symlinkSync(`/usr/bin/${tool}`, join(sys, tool));
    healthyEnv = { PATH: `${bin}:${sys}`, ELECTRON_EXEC_PATH: join(bin, 'electron'), ...(pgUrl() ? { DATABASE_URL: pgUrl() } : {}) };
  }, 300_000);
  afterAll(() => tmp?.cleanup());

  it('on a healthy machine and folder: every finding ok, exit 0', async () => {
    const dataDir = join(tmp.dir, 'healthy');
    mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
    writeFileSync(join(dataDir, 'logs', 'run-1.log'), 'output', { mode: 0o600 });
    const { code, report } = await doctor(dataDir, healthyEnv);
    expect(report.findings.map((f) => f.id)).toEqual(['node-pty', 'data-folder', 'data-files', 'disk', 'cli:claude', 'cli:codex', 'cli:others', 'git', 'database', 'electron', 'lock', 'containment']);
    expect(report.findings.filter((f) => f.status !== 'ok'), JSON.stringify(report, null, 2)).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    const found = byId(report);
    expect(found['cli:claude'].detail).toBe(`2.1.197 (Claude Code) (${join(tmp.dir, 'bin', 'claude')})`);
    expect(found['data-folder'].detail).toContain('is private (0700) and writable');
    if (pgUrl()) expect(found.database.detail).toMatch(/^PostgreSQL \S+ at .* answers$/);
    expect(found.lock.detail).toBe('no Vigil runs on this folder');
    for (const f of report.findings) expect(f.fix).toBeNull();
  });

  it('prints each finding with its fix for a person', async () => {
    const dataDir = join(tmp.dir, 'text');
    const result = await vigil(['doctor'], { dataDir, env: { ...healthyEnv, PATH: sys } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Vigil doctor, data folder ${dataDir}`);
    expect(result.stdout).toMatch(/ok {4}node-pty +loads and runs a process in a pty/);
    // No agent CLI at all: one warning naming every one Vigil looks for, with how to install each.
    expect(result.stdout).toMatch(/warn {2}agent CLIs +no agent CLI on PATH \(looked for `claude`, `codex`, `gemini`, `qwen`, `opencode`, `cursor-agent`, `copilot`, `amp`, `droid`\)/);
    expect(result.stdout).toMatch(/\n +fix: Install one, then log in once in a terminal\. Claude Code: `npm install -g @anthropic-ai\/claude-code`; .*Gemini CLI: `npm install -g @google\/gemini-cli`/);
    expect(result.stdout).toContain('Vigil can run; 1 warning(s).');
    // A folder that does not exist yet is fine: Vigil creates it private.
    expect(result.stdout).toMatch(/ok {4}data folder +\S+ does not exist yet: Vigil creates it \(private, 0700\)/);
    expect(result.stdout).toMatch(/ok {4}data files +none yet/);
  });

  it('on a broken one: the open folder, its readable files, the missing CLI and the unreachable DATABASE_URL, each named; exit 1', async () => {
    const dataDir = join(tmp.dir, 'broken');
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'logs', 'run-1.log'), 'secret output', { mode: 0o644 });
    const port = await closedPort();
    const onlyCodex = join(tmp.dir, 'only-codex');
    standIn(onlyCodex, 'codex', "echo 'codex-cli 0.169.0'");
    const { code, report, stderr } = await doctor(dataDir, {
      ...healthyEnv,
      PATH: `${onlyCodex}:${sys}`,
      DATABASE_URL: `postgres://vigil:hunter2@127.0.0.1:${port}/vigil`,
    });
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const found = byId(report);
    expect(found['data-folder']).toMatchObject({ status: 'fail', detail: expect.stringContaining('is open to other users (mode 0755)'), fix: `chmod 700 ${dataDir}` });
    expect(found['data-files']).toMatchObject({ status: 'fail', detail: expect.stringContaining(`${join(dataDir, 'logs', 'run-1.log')} (0644)`), fix: `chmod -R go-rwx ${dataDir}` });
    expect(found['cli:claude']).toBeUndefined();
    expect(found['cli:others']).toMatchObject({ status: 'ok', detail: expect.stringContaining('not on PATH: `claude`, `gemini`') });
    expect(found['cli:codex']).toMatchObject({ status: 'ok', detail: expect.stringContaining('codex-cli 0.169.0') });
    expect(found.database).toMatchObject({ status: 'fail', detail: expect.stringMatching(/DATABASE_URL \(postgres:\/\/vigil:\*\*\*@127\.0\.0\.1:\d+\/vigil\) is not reachable: .*ECONNREFUSED/) });
    expect(found.database.fix).toContain('unset it to use the embedded PGlite database');
    expect(JSON.stringify(report) + stderr).not.toContain('hunter2');
    expect(found['node-pty'].status).toBe('ok');
  });

  it('next to a running Vigil: ok, it answers; next to one that holds the lock but does not answer: fail', async () => {
    const running = join(tmp.dir, 'running');
    const served = await startServe({ dataDir: running });
    try {
      const { code, report } = await doctor(running, healthyEnv);
      const found = byId(report);
      expect(found.lock).toMatchObject({ status: 'ok', detail: `Vigil (pid ${served.pid}) runs on this folder and answers: \`vigil\` commands talk to it; a second start would be refused` });
      // What a running host leaves in its folder is private.
      expect(found['data-folder'].status).toBe('ok');
      expect(found['data-files'].status).toBe('ok');
      expect(code).toBe(0);
    } finally {
      expect((await served.stop()).code).toBe(0);
    }

    // A live process (this test runner) holds the lock, and no socket answers.
    const hung = join(tmp.dir, 'hung');
    mkdirSync(hung, { mode: 0o700 });
    writeFileSync(lockPathOf(hung), JSON.stringify({ pid: process.pid, startId: readStartIdentity(process.pid), at: new Date().toISOString() }), { mode: 0o600 });
    const { code, report } = await doctor(hung, healthyEnv);
    expect(byId(report).lock).toMatchObject({ status: 'fail', detail: expect.stringContaining(`Vigil (pid ${process.pid}`), fix: expect.stringContaining(`kill ${process.pid}`) });
    expect(code).toBe(1);
  }, READY_TIMEOUT_MS + 60_000);
});
