// The real agent CLIs from npm, run under Vigil with no login and no network: each run must end
// as a failed run whose error says why (the missing login, named; OpenCode, which needs none, its
// API it cannot reach), and leave no process behind. The CLIs come from
// scripts/install-agent-clis.sh (about a minute and a half); a CLI that is not installed skips its
// test, loudly. tests/main/adapters/failure-outcome.test.ts checks the same with stand-ins.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterType } from '../../../src/shared/domain';
import { groupAlive, startTestHost, waitFor, type TestHost } from '../../helpers/host';

const CACHE = process.env.VIGIL_AGENT_CLIS ?? join(homedir(), '.cache', 'vigil-agent-clis');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

interface RealCli {
  type: AdapterType;
  bin: string;
  /** What the run's error must say. */
  error: RegExp;
  /** The agent's timeout: every run must end before it, by itself or stopped by Vigil. */
  timeoutSec: number;
}

const CLIS: RealCli[] = [
  { type: 'gemini_local', bin: 'gemini/node_modules/.bin/gemini', timeoutSec: 120, error: /^Gemini CLI is not logged in: .*It said: Please set an Auth method/ },
  { type: 'qwen_local', bin: 'qwen/node_modules/.bin/qwen', timeoutSec: 120, error: /^Qwen Code is not logged in: run `qwen auth`.*It said: No auth type is selected/ },
  { type: 'copilot_local', bin: 'copilot/node_modules/.bin/copilot', timeoutSec: 120, error: /^GitHub Copilot CLI is not logged in: .*It said: Error: No authentication information found/ },
  // Waits for a pasted login code: Vigil stops it as soon as it asks.
  // The platform binary itself: the newest wrapper names a binary version the registry lacks.
  { type: 'droid_local', bin: 'droid/node_modules/@factory/cli-linux-x64/bin/droid', timeoutSec: 120, error: /^Factory Droid is not logged in: .*It said: Error: Authentication failed/ },
  { type: 'amp_local', bin: 'amp/node_modules/.bin/amp', timeoutSec: 120, error: /^Amp is not logged in: run `amp login`.*It said: No API key found.*Vigil stopped it/ },
  // Needs no login (a free default model). Offline it retries its API five times (2 s doubling,
  // about 75 s in all, read in its binary's SessionRetry policy), then prints its error and exits 1.
  { type: 'opencode_local', bin: 'opencode/node_modules/.bin/opencode', timeoutSec: 400, error: /^Cannot connect to API: .*\(https:\/\/opencode\.ai\/.*exited with code 1/ },
];

describe('real agent CLIs without a login', () => {
  let t: TestHost | null = null;
  let home: string | null = null;
  afterEach(async () => {
    await t?.stop();
    t?.target.cleanup();
    t = null;
    if (home) rmSync(home, { recursive: true, force: true });
    home = null;
  });

  for (const cli of CLIS) {
    const path = join(CACHE, cli.bin);
    const installed = existsSync(path);
    if (!installed) console.warn(`[real-cli] SKIPPED ${cli.type}: ${path} is not installed; run scripts/install-agent-clis.sh (or set VIGIL_AGENT_CLIS)`);
    it.skipIf(!installed)(`${cli.type}: fails, its error says why, no process left`, async () => {
      t = await startTestHost('pglite');
      home = mkdtempSync(join(tmpdir(), 'vigil-real-cli-home-'));
      // An empty home: no stored login, no settings; only node and the system on PATH.
      await t.call('agents.create', {
        name: 'real',
        adapterType: cli.type,
        command: path,
        cwd: home,
        timeoutSec: cli.timeoutSec,
        env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
      });
      const woke = await t.call('agents.wake', { agent: 'real' });
      const run = await waitFor(async () => {
        const r = await t!.call('runs.get', { run: woke.runId! });
        return TERMINAL.includes(r.status) ? r : null;
      }, (cli.timeoutSec + 30) * 1000, `the ${cli.type} run to end`);
      expect(run.status).toBe('failed');
      expect(run.errorCode).toBe('adapter_failed');
      expect(run.error ?? '').toMatch(cli.error);
      expect(run.processGroupId).toBeGreaterThan(0);
      await waitFor(() => !groupAlive(run.processGroupId!), 10_000, 'the run’s process group to be gone');
    }, (cli.timeoutSec + 60) * 1000);
  }
});
