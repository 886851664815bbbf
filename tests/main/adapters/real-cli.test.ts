// The real agent CLIs from npm, run under Vigil with no login and no network: each run must end
// (failed, or timed out for a CLI that waits for a login or retries forever), say why in its
// events, and leave no process behind. The CLIs come from scripts/install-agent-clis.sh (about a
// minute and a half); a CLI that is not installed skips its test, loudly.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterType } from '../../../src/shared/domain';
import { startTestHost, waitFor, type TestHost } from '../../helpers/host';

const CACHE = process.env.VIGIL_AGENT_CLIS ?? join(homedir(), '.cache', 'vigil-agent-clis');
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

interface RealCli {
  type: AdapterType;
  bin: string;
  /** How the run ends: failed (the CLI exits) or timed_out (it waits, and the agent's timeout ends it). */
  ends: 'failed' | 'timed_out';
  /** What the run's events must say (null: the CLI prints nothing before the timeout). */
  says: RegExp | null;
}

const CLIS: RealCli[] = [
  { type: 'gemini_local', bin: 'gemini/node_modules/.bin/gemini', ends: 'failed', says: /Please set an Auth method/ },
  { type: 'qwen_local', bin: 'qwen/node_modules/.bin/qwen', ends: 'failed', says: /No auth type is selected/ },
  { type: 'copilot_local', bin: 'copilot/node_modules/.bin/copilot', ends: 'failed', says: /No authentication information found/ },
  // Waits for a pasted login code: Vigil says so (an input request) and the timeout ends it.
  { type: 'amp_local', bin: 'amp/node_modules/.bin/amp', ends: 'timed_out', says: /No API key found/ },
  // Needs no login (a free default model). Without a network it printed nothing for over a minute
  // in a terminal (it retries; its API error line came after 60 s outside one): only the timeout ends it.
  { type: 'opencode_local', bin: 'opencode/node_modules/.bin/opencode', ends: 'timed_out', says: null },
];

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    it.skipIf(!installed)(`${cli.type}: ends ${cli.ends}, its events name why, no process left`, async () => {
      t = await startTestHost('pglite');
      home = mkdtempSync(join(tmpdir(), 'vigil-real-cli-home-'));
      // An empty home: no stored login, no settings; only node and the system on PATH.
      await t.call('agents.create', {
        name: 'real',
        adapterType: cli.type,
        command: path,
        cwd: home,
        timeoutSec: cli.ends === 'timed_out' ? 15 : 120,
        env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
      });
      const woke = await t.call('agents.wake', { agent: 'real' });
      const run = await waitFor(async () => {
        const r = await t!.call('runs.get', { run: woke.runId! });
        return TERMINAL.includes(r.status) ? r : null;
      }, 120_000, `the ${cli.type} run to end`);
      expect(run.status).toBe(cli.ends);
      const detail = await t.call('runs.get', { run: run.id });
      const said = detail.events.filter((e) => ['error', 'result', 'input_request'].includes(e.type)).map((e) => `${e.message ?? ''} ${JSON.stringify(e.payload ?? null)}`);
      if (cli.says) expect(said.join('\n')).toMatch(cli.says);
      // A CLI that exits: its run's last line is its own words about the login.
      if (cli.ends === 'failed') expect(run.lastOutputLine ?? '').toMatch(/auth|log ?in|credential|token/i);
      if (cli.type === 'amp_local') expect(detail.events.some((e) => e.type === 'input_request')).toBe(true);
      expect(run.processGroupId).toBeGreaterThan(0);
      await waitFor(() => !groupAlive(run.processGroupId!), 10_000, 'the run’s process group to be gone');
    }, 180_000);
  }
});
