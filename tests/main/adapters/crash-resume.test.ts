// Resume after a crash, for each native adapter that reports a session: a real `vigil serve` is
// SIGKILLed while the agent (its stand-in, holding after the fixture) is live and has reported its
// session; the next serve's recovery retries the lost run, and the retry's command line resumes
// that session with the CLI's own flag. PGlite only (the engine's store handling is tested
// elsewhere on both stores): one serve start costs seconds here.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startHost, type HostInternals } from '../../../src/main/host';
import { USER } from '../../../src/main/api';
import type { AdapterType } from '../../../src/shared/domain';
import { callServed, ensureBuilt, servePerTest, startServe, tempDataDir } from '../../helpers/serve';
import { waitFor } from '../../helpers/host';

const FAKE_BIN = resolve(__dirname, '../../fixtures/adapters/bin');
const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

beforeAll(() => ensureBuilt(), 600_000);

const call = callServed;

const CASES: { type: AdapterType; bin: string; resume: (id: string) => string[] }[] = [
  { type: 'gemini_local', bin: 'gemini', resume: (id) => ['--resume', id] },
  { type: 'qwen_local', bin: 'qwen', resume: (id) => ['--resume', id] },
  { type: 'opencode_local', bin: 'opencode', resume: (id) => ['--session', id] },
  { type: 'cursor_local', bin: 'cursor-agent', resume: (id) => ['--resume', id] },
  { type: 'copilot_local', bin: 'copilot', resume: (id) => [`--resume=${id}`] },
  { type: 'amp_local', bin: 'amp', resume: (id) => ['threads', 'continue', id] },
  { type: 'droid_local', bin: 'droid', resume: (id) => ['--session-id', id] },
];

const contains = (argv: string[], part: string[]) => argv.some((_, i) => part.every((p, j) => argv[i + j] === p));

describe('a host SIGKILLed after its native agents reported their sessions', () => {
  const slot = servePerTest();

  // One host with one agent of each adapter, all live at the crash: one kill and one restart for all.
  it('each retry resumes its lost run\'s session with its CLI\'s own flag', async () => {
    slot.data = tempDataDir();
    const argvFile = (c: (typeof CASES)[number]) => join(slot.data!.dir, `argv-${c.type}.jsonl`);
    const host = (await startHost({ dataDir: slot.data.dir, startScheduler: false, recoverOnStart: false, backupOnStart: false })) as HostInternals;
    const issues = new Map<AdapterType, string>();
    try {
      for (const c of CASES) {
        const prefix = `FAKE_${c.bin.toUpperCase().replace(/-/g, '_')}`;
        const name = c.type.replace('_local', '');
        await host.api.invoke('agents.create', { name, adapterType: c.type, env: { PATH: `${FAKE_BIN}:${process.env.PATH}`, [`${prefix}_ARGV_FILE`]: argvFile(c), [`${prefix}_HOLD_MS`]: '600000' } }, USER);
        const issue = (await host.api.invoke('issues.create', { title: `Long work for ${name}`, assignee: name }, USER)) as { identifier: string };
        issues.set(c.type, issue.identifier);
      }
    } finally {
      await host.close();
    }
    slot.served = await startServe({ dataDir: slot.data.dir, args: ['--max-concurrent', String(CASES.length)] });
    const lost = await waitFor(async () => {
      const runs = await Promise.all(CASES.map(async (c) => (await call(slot.served!, 'runs.list', { issue: issues.get(c.type)! })).items[0]));
      return runs.every((r) => r?.status === 'running' && r.sessionId) ? runs : null;
    }, 120_000, 'every agent to report its session');
    await slot.served.kill();
    for (const run of lost) {
      try {
        if (run.processGroupId) process.kill(-run.processGroupId, 'SIGKILL');
      } catch {
        /* gone with the host */
      }
    }
    slot.served = await startServe({ dataDir: slot.data.dir, args: ['--max-concurrent', String(CASES.length)] });
    await waitFor(() => CASES.every((c) => readLines(argvFile(c)).length >= 2), 120_000, 'every retry to start');
    CASES.forEach((c, i) => {
      const session = lost[i].sessionId!;
      const [first, retry] = readLines(argvFile(c)).map((l) => JSON.parse(l).argv as string[]);
      expect(contains(first, c.resume(session)), c.type).toBe(false);
      expect(contains(retry, c.resume(session)), c.type).toBe(true);
      expect(retry.at(-1), c.type).toContain('continues the same conversation');
    });
  }, 400_000);
});
