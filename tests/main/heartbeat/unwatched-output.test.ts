// A process-adapter run in the pty host that nobody watches is not sent its bytes (progress
// only): what the host shows of it must not change. Its last line (attention reads it) still
// follows the output; a viewer that arrives mid-run gets every byte from where it joined; the
// log is byte-exact and the run ends with its real last line.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../src/shared/events';
import { waitFor } from '../../helpers/host';
import { ptyHostHarnessPerTest } from '../../helpers/ptyhost-host';

const harness = ptyHostHarnessPerTest();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('an unwatched run in the pty host', () => {
  it('keeps its live last line, gives a viewer arriving mid-run every byte from there, and ends byte-exact', async () => {
    const h = await harness.open();
    const body = Buffer.from(randomBytes(600_000).toString('base64').replace(/(.{76})/g, '$1\n'));
    writeFileSync(join(h.dataDir, 'body'), body);
    const go = join(h.dataDir, 'go');
    // Raw output: the log holds the file's bytes as they are.
    const command = `stty raw -opost; printf 'working\\n'; cat '${join(h.dataDir, 'body')}'; printf '\\nProceed? [y/n] '; while [ ! -e '${go}' ]; do sleep 0.05; done; cat '${join(h.dataDir, 'body')}'; printf '\\nall done\\n'`;
    const { runId } = await h.runningAgent('quiet', command);

    // Nobody listens for run.output: the last line comes from the pty host's progress.
    await waitFor(async () => (await h.call('runs.get', { run: runId })).lastOutputLine === 'Proceed? [y/n]', 20_000, 'the prompt as the last line');

    // A viewer arrives, then the agent goes on.
    const joinedAt = (await h.call('runs.log', { run: runId, tail: 1 })).totalBytes as number;
    const live: { offset: number; data: Buffer }[] = [];
    const unsubscribe = h.host.events.subscribe(
      (e: HostEvent) => {
        if (e.event === 'run.output' && e.data.runId === runId) live.push({ offset: e.data.offset, data: Buffer.from(e.data.data, 'base64') });
      },
      { events: ['run.output'] },
    );
    writeFileSync(go, '');
    const ended = await h.runTo(runId, 'succeeded', 30_000);
    unsubscribe();

    const log = readFileSync(join(h.dataDir, 'logs', `${runId}.log`));
    const expected = Buffer.concat([Buffer.from('working\n'), body, Buffer.from('\nProceed? [y/n] '), body, Buffer.from('\nall done\n')]);
    expect(sha256(log)).toBe(sha256(expected));
    expect(ended.logSha256).toBe(sha256(expected));
    expect(ended.logBytes).toBe(expected.length);
    expect(ended.lastOutputLine).toBe('all done');
    // Every byte from where the viewer joined (or before) to the end, in order, none twice.
    expect(live.length).toBeGreaterThan(0);
    expect(live[0].offset).toBeLessThanOrEqual(joinedAt);
    let at = live[0].offset;
    for (const chunk of live) {
      expect(chunk.offset).toBe(at);
      at += chunk.data.length;
    }
    expect(at).toBe(expected.length);
    expect(sha256(Buffer.concat(live.map((c) => c.data)))).toBe(sha256(expected.subarray(live[0].offset)));
  }, 90_000);
});
