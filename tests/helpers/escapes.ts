// Runs whose processes try to outlive them (a new session, no environment, no cookie): shared by
// the containment tests (cgroup directly, and through a systemd scope).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect } from 'vitest';
import { livePtyHost } from '../../src/main/ptyhost/launch';
import { ensureBuilt } from './serve';
import { waitFor } from './host';
import { processAlive, removeDir, type PtyHostHarness } from './ptyhost-host';

/** Every live `sleep <seconds>`: the marker tells this case's escapees from anything else. */
export function sleepers(seconds: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('sleep') && argv[1] === String(seconds) && processAlive(Number(name))) out.push(Number(name));
    } catch {
      // exited while listed
    }
  }
  return out;
}

/** Two escape styles and a plain child: one leaves group, session and environment; one drops only the cookie. */
export const escaping = (seconds: number) => `setsid sh -c 'exec env -i sleep ${seconds}' & env -u VIGIL_RUN_ID sleep ${seconds} & sleep ${seconds}`;

/** The host goes leaving its agents to the pty host, which is then killed: a crash of both, as the next start sees it. */
export async function crashWithPtyHost(h: PtyHostHarness): Promise<void> {
  await h.host.close({ keepAgents: true });
  const ptyHost = livePtyHost(h.dataDir)!;
  process.kill(ptyHost.pid, 'SIGKILL');
  await waitFor(() => !processAlive(ptyHost.pid), 10_000, 'the pty host to die');
}

/** host.log says the containment mode (`Run containment: <mode>...`) exactly once, and no banner asks anything of the person. */
export function expectContainmentSaidOnce(h: PtyHostHarness, mode: string): void {
  const said = readFileSync(join(h.dataDir, 'host.log'), 'utf8').split('\n').filter((l) => l.includes('Run containment:'));
  expect(said).toHaveLength(1);
  expect(said[0]).toContain(`Run containment: ${mode}`);
  // A banner is for a person who must act: containment that works needs nothing of them.
  expect(h.notices.filter((n) => n.includes('Run containment'))).toEqual([]);
}

export interface EscapeCases {
  /** Harnesses closed (then `afterClose`, then their folder removed) after each test. */
  open: PtyHostHarness[];
  /** An agent running `escaping(seconds)`, woken: once its run is running and the three sleepers are up. */
  startEscaping(h: PtyHostHarness, seconds: number, timeoutSec?: number): Promise<{ agent: Record<string, unknown>; runId: string; pids: number[] }>;
}

/**
 * For a file of escape tests: builds out/ before them; after each test closes the harnesses in
 * `open`, SIGKILLs any sleeper a case left, then runs `after`.
 */
export function escapeCases(hooks: { afterClose?: (h: PtyHostHarness) => Promise<void>; after?: () => Promise<void> | void } = {}): EscapeCases {
  const open: PtyHostHarness[] = [];
  const leftovers: number[] = [];
  beforeAll(() => ensureBuilt(), 600_000);
  afterEach(async () => {
    for (const h of open.splice(0)) {
      await h.close();
      await hooks.afterClose?.(h);
      removeDir(h.dataDir);
    }
    for (const s of leftovers.splice(0)) for (const pid of sleepers(s)) process.kill(pid, 'SIGKILL');
    await hooks.after?.();
  });
  return {
    open,
    startEscaping: async (h, seconds, timeoutSec) => {
      leftovers.push(seconds);
      const agent = await h.call('agents.create', { name: `esc-${seconds}`, adapterType: 'process', command: escaping(seconds), ...(timeoutSec ? { timeoutSec } : {}) });
      const { runId } = (await h.call('agents.wake', { agent: agent.id })) as { runId: string };
      await h.runTo(runId, 'running');
      const pids = await waitFor(() => (sleepers(seconds).length >= 3 ? sleepers(seconds) : null), 20_000, 'the three sleepers to start');
      return { agent, runId, pids };
    },
  };
}
