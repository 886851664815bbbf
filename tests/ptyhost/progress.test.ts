// Protocol 2: a host with no use for a session's bytes asks for progress only, and gets them
// again, from an offset of its choosing, when it needs them. Against the built pty host.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectOrStartPtyHost } from '../../src/main/ptyhost/launch';
import type { PtyExitInfo } from '../../src/shared/ptyhost-protocol';
import { ensureBuilt, ROOT } from '../helpers/serve';
import { waitFor } from '../helpers/host';

const SCRIPT = join(ROOT, 'out', 'main', 'ptyhost.js');
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(() => ensureBuilt(), 600_000);

const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Three parts of text, each printed once the file before it exists (no timing involved). */
function threeParts(dir: string): { parts: Buffer[]; command: string } {
  const parts = [0, 1, 2].map((i) => Buffer.from(randomBytes(150_000).toString('base64').replace(/(.{76})/g, `$1\n`) + `\npart ${i} done $ `));
  parts.forEach((p, i) => writeFileSync(join(dir, `part${i}`), p));
  const wait = (name: string) => `while [ ! -e ${name} ]; do sleep 0.02; done`;
  return { parts, command: `stty raw -opost; cat part0; ${wait('go1')}; cat part1; ${wait('go2')}; cat part2` };
}

describe('pty host progress (protocol 2)', () => {
  it('progress only: no bytes, the log size and last bytes instead; the bytes again from any offset, each once, byte-exact', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-progress-'));
    dirs.push(dataDir);
    const { parts, command } = threeParts(dataDir);
    const client = await connectOrStartPtyHost(dataDir, { runtime: process.execPath, script: SCRIPT, idleMs: 1500 });
    pids.push(client.ptyHostPid);
    const handle = await client.spawn({ session: 'quiet', file: '/bin/sh', args: ['-c', command], cwd: dataDir, env: ENV, secrets: [] });
    const events: ({ offset: number; data: Buffer } | { bytes: number; tail: Buffer })[] = [];
    let exit: PtyExitInfo | null = null;
    handle.onOutput((offset, data) => events.push({ offset, data: Buffer.from(data) }));
    handle.onProgress((bytes, tail) => events.push({ bytes, tail }));
    handle.onExit((e) => (exit = e));
    handle.streamOutput(null);

    const log = () => readFileSync(join(dataDir, 'logs', 'quiet.log'));
    const lastProgress = () => events.filter((e) => 'bytes' in e).at(-1) as { bytes: number; tail: Buffer } | undefined;
    const one = parts[0].length;
    await waitFor(() => lastProgress()?.bytes === one, 20_000, 'progress reaching the end of part 0');
    expect(lastProgress()!.tail.equals(parts[0].subarray(-4096))).toBe(true);

    writeFileSync(join(dataDir, 'go1'), '');
    const two = one + parts[1].length;
    await waitFor(() => lastProgress()?.bytes === two, 20_000, 'progress reaching the end of part 1');
    expect(lastProgress()!.tail.equals(parts[1].subarray(-4096))).toBe(true);
    // Whatever bytes came (sent before the pty host read the request) came before any progress.
    const firstProgress = events.findIndex((e) => 'bytes' in e);
    expect(events.slice(firstProgress).every((e) => 'bytes' in e)).toBe(true);
    const streamedEarly = events.filter((e) => 'data' in e).reduce((n, e) => n + (e as { data: Buffer }).data.length, 0);
    // At most part 0: a pty host that reads a page burst a turn may send all of it before it
    // reads the request (part 0 is printed at once, part 1 only after the request took effect).
    expect(streamedEarly).toBeLessThanOrEqual(one);

    // A watcher arrives: the bytes again from an earlier offset (read back from the log), then live.
    const from = 1000;
    const mark = events.length;
    handle.streamOutput(from);
    writeFileSync(join(dataDir, 'go2'), '');
    await waitFor(() => exit, 20_000, 'the run to end');
    const after = events.slice(mark).filter((e) => 'data' in e) as { offset: number; data: Buffer }[];
    let at = from;
    for (const e of after) {
      expect(e.offset).toBe(at); // contiguous: no gap, no byte twice
      at += e.data.length;
    }
    const whole = Buffer.concat(parts);
    expect(at).toBe(whole.length);
    expect(sha256(Buffer.concat(after.map((e) => e.data)))).toBe(sha256(whole.subarray(from)));
    expect(sha256(log())).toBe(sha256(whole));
    expect(exit!.logBytes).toBe(whole.length);
    expect(Buffer.from(exit!.lastBytes, 'base64').equals(whole.subarray(-4096))).toBe(true);
    handle.acknowledge();
    client.close();
  }, 90_000);

  it('a session asked for progress only still delivers its exit, and no progress after it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-progress-'));
    dirs.push(dataDir);
    const client = await connectOrStartPtyHost(dataDir, { runtime: process.execPath, script: SCRIPT, idleMs: 1500 });
    pids.push(client.ptyHostPid);
    const handle = await client.spawn({ session: 'short', file: '/bin/sh', args: ['-c', 'read x; echo "last words $x"'], cwd: dataDir, env: ENV, secrets: [] });
    const seen: string[] = [];
    let exit: PtyExitInfo | null = null;
    handle.onOutput(() => seen.push('output'));
    handle.onProgress(() => seen.push('progress'));
    handle.onExit((e) => {
      seen.push('exit');
      exit = e;
    });
    handle.streamOutput(null);
    handle.write('now\r');
    await waitFor(() => exit, 20_000, 'the exit');
    await new Promise((r) => setTimeout(r, 500)); // longer than a progress interval: none may follow the exit
    expect(seen.at(-1)).toBe('exit');
    expect(seen).not.toContain('output');
    expect(Buffer.from(exit!.lastBytes, 'base64').toString()).toContain('last words now');
    handle.acknowledge();
    client.close();
  }, 60_000);

  it('asked for something else while reading the log back, a session stops sending what was asked before', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-progress-'));
    dirs.push(dataDir);
    const payload = Buffer.from(randomBytes(2_400_000).toString('base64'));
    writeFileSync(join(dataDir, 'payload'), payload);
    const client = await connectOrStartPtyHost(dataDir, { runtime: process.execPath, script: SCRIPT, idleMs: 1500 });
    pids.push(client.ptyHostPid);
    const handle = await client.spawn({ session: 'big', file: '/bin/sh', args: ['-c', 'stty raw -opost; cat payload; read x'], cwd: dataDir, env: ENV, secrets: [] });
    let received = 0;
    let progress = 0;
    handle.onOutput((_offset, data) => (received += data.length));
    handle.onProgress((bytes) => (progress = bytes));
    handle.streamOutput(null);
    await waitFor(() => progress === payload.length, 20_000, 'the whole payload in the log');
    const before = received;
    // The whole log asked for, then (before a slice of it could be read back) progress only again.
    handle.streamOutput(0);
    handle.streamOutput(null);
    handle.write('bye\n');
    let exited = false;
    handle.onExit(() => (exited = true));
    await waitFor(() => exited, 20_000, 'the exit');
    expect(received - before).toBe(0);
    handle.acknowledge();
    client.close();
  }, 60_000);
});
