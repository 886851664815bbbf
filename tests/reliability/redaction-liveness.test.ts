// Redaction must hide secrets, not live output. Every run has at least one secret (its run token),
// so the redactor's hold-back applies to every run: a quiet run's last bytes (a prompt without a
// newline, a "waiting for ..." line) must reach the live view while the run is still running,
// unless they could be the start of a secret. Checked through runs.log and run.output events of a
// real `vigil serve`; the secret itself, split across two writes, must still never appear.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDto } from '../../src/shared/contract';
import { MASKED_SECRET } from '../../src/shared/domain';
import { killByCookie } from '../fixtures/reliability/procs';
import { runLog, waitEnded, waitRun } from '../fixtures/reliability/runs';
import { allPages, connectSocket, mustCall, type WireConn } from '../fixtures/reliability/wire';
import { ensureBuilt, READY_TIMEOUT_MS, startServe, tempDataDir, type Served } from '../helpers/serve';
import { waitFor } from '../helpers/host';

let served: Served | null = null;
let data: ReturnType<typeof tempDataDir> | null = null;
let conn: WireConn | null = null;

describe('redaction and live output', () => {
  beforeAll(async () => {
    ensureBuilt();
    data = tempDataDir('vigil-live-');
    served = await startServe({ dataDir: data.dir });
    conn = await connectSocket(served.socketPath);
  }, READY_TIMEOUT_MS + 600_000);

  afterAll(async () => {
    const runs = new Set<string>();
    if (conn) for (const r of await allPages<RunDto>(conn, 'runs.list').catch(() => [])) runs.add(r.id);
    conn?.close();
    await served?.stop();
    killByCookie(runs);
    data?.cleanup();
  }, 120_000);

  it("shows a quiet run's last output live (a prompt without a newline), while a split secret stays masked", async () => {
    const c = conn!;
    const secret = `sk-live-${randomBytes(16).toString('hex')}`;
    const command = [
      // Half of the key, a pause, the other half: masked as a whole once complete.
      `printf 'key: %s' "$(printf '%s' "$API_KEY" | cut -c1-9)"; sleep 0.5; printf '%s\\n' "$(printf '%s' "$API_KEY" | cut -c10-)"`,
      // Then a prompt that waits, as an agent asking a question would.
      `printf 'Continue? [y/N] '`,
      'sleep 8',
    ].join('\n');
    await mustCall(c, 'agents.create', { name: 'asker', adapterType: 'process', command, env: { API_KEY: secret } });
    const events = await connectSocket(served!.socketPath);
    expect((await events.call('events.subscribe'))?.ok).toBe(true);
    const wake = await mustCall<{ runId: string }>(c, 'agents.wake', { agent: 'asker' });
    const run = await waitRun(c, { agent: 'asker' }, (r) => r.id === wake.runId && r.status === 'running', 60_000, 'the asker run');

    // While it waits (it sleeps 8 s after the prompt), the prompt must be visible.
    let seenLive = '';
    const visible = await waitFor(
      async () => {
        seenLive = (await runLog(c, run.id)).toString();
        return seenLive.includes('Continue? [y/N] ');
      },
      5_000,
      'the prompt in the live log',
    ).catch(() => false);
    const liveText = () =>
      events.events
        .filter((e) => e.event === 'run.output' && e.data.runId === run.id)
        .map((e) => Buffer.from(e.data.data, 'base64').toString())
        .join('');
    // Live events are batched (50 ms), so they may trail the log by a moment: wait for them,
    // still within the run's 8-second wait, and check the run was still waiting afterwards.
    await waitFor(async () => liveText().includes('Continue? [y/N] '), 3_000, 'the prompt in the live events').catch(() => false);
    const status = (await mustCall<RunDto>(c, 'runs.get', { run: run.id })).status;
    const live = liveText();
    events.close();
    console.log(`[redaction] live log while the run waits (${status}): ${JSON.stringify(seenLive)}; live events: ${JSON.stringify(live)}`);

    const done = await waitEnded(c, run.id, 60_000);
    const final = (await runLog(c, run.id)).toString();
    expect(final).toContain(`key: ${MASKED_SECRET}`);
    expect(final).toContain('Continue? [y/N] ');
    expect(final).not.toContain(secret.slice(0, 9));
    expect(final).not.toContain(secret.slice(9));
    expect(live).not.toContain(secret.slice(9));
    expect(done.status).toBe('succeeded');
    expect(status, 'the run was still waiting when the live log was read').toBe('running');
    expect(visible, 'the prompt reached the live log while the run was waiting').toBe(true);
    expect(live, 'the prompt reached the live run.output events').toContain('Continue? [y/N] ');
  }, 300_000);
});
