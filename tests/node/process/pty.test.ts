// spawnInPty against real processes in real ptys.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodePty from 'node-pty';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readProcStat, readStartIdentity } from '../../../src/node/process/identity';
import { SpawnError, spawnInPty } from '../../../src/node/process/pty';
import { ProcessJanitor, sleep, waitFor } from '../../fixtures/process/harness';

const janitor = new ProcessJanitor();
afterEach(() => janitor.cleanup());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PATH = process.env.PATH ?? '/usr/bin:/bin';

const suiteFiles = new ProcessJanitor();
let payloadPath: string;
let payload: Buffer;
beforeAll(() => {
  payloadPath = join(suiteFiles.tempDir(), 'payload.bin');
  // Random bytes, every value 0-255, sent through the pty in raw output mode (stty -opost).
  payload = randomBytes(2 * 1024 * 1024);
  writeFileSync(payloadPath, payload);
});
afterAll(() => suiteFiles.cleanup());

describe('spawnInPty', () => {
  it('reports exit codes 0 and 3', async () => {
    const ok = janitor.spawnRun({ file: 'sh', args: ['-c', 'exit 0'], cwd: '/' });
    const three = janitor.spawnRun({ file: 'sh', args: ['-c', 'exit 3'], cwd: '/' });
    expect((await ok.exited).exit).toEqual({ exitCode: 0, signal: null });
    expect((await three.exited).exit).toEqual({ exitCode: 3, signal: null });
  });

  it('reports a signal exit by name', async () => {
    const term = janitor.spawnRun({ file: 'sh', args: ['-c', 'kill -TERM $$; sleep 5'], cwd: '/' });
    const kill = janitor.spawnRun({ file: 'sh', args: ['-c', 'kill -KILL $$; sleep 5'], cwd: '/' });
    expect((await term.exited).exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect((await kill.exited).exit).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });

  it('makes the child a session and process-group leader and records its start identity', async () => {
    const r = janitor.spawnRun({ file: 'sleep', args: ['30'], cwd: '/' });
    const stat = await waitFor(() => {
      const s = readProcStat(r.run.pid);
      return s && s.comm === 'sleep' ? s : null;
    }, 'sleep to exec');
    expect(r.run.pgid).toBe(r.run.pid);
    expect(r.run.sid).toBe(r.run.pid);
    expect(stat.pgid).toBe(r.run.pid);
    expect(stat.sid).toBe(r.run.pid);
    expect(r.run.startId).toBe(readStartIdentity(r.run.pid));
  });

  it.runIf(process.platform === 'linux')('leaves a run no descriptor beyond stdio, not even an earlier run\'s pty master', async () => {
    const first = janitor.spawnRun({ file: 'sleep', args: ['30'], cwd: '/' });
    const second = janitor.spawnRun({ file: 'sleep', args: ['30'], cwd: '/' });
    const fds = await waitFor(() => {
      const s = readProcStat(second.run.pid);
      return s && s.comm === 'sleep' ? readdirSync(`/proc/${second.run.pid}/fd`).map(Number).sort((a, b) => a - b) : null;
    }, 'sleep to exec');
    expect(fds).toEqual([0, 1, 2]);
    expect(first.run.pid).not.toBe(second.run.pid);
  });

  it('passes exactly the given environment, plus TERM and PWD', async () => {
    const dir = janitor.tempDir();
    const r = janitor.spawnRun({
      file: 'sh',
      args: ['-c', 'printf "[%s][%s][%s][%s]" "$GREETING" "${HOME-unset}" "$TERM" "$PWD"'],
      cwd: dir,
      env: { GREETING: 'hello world' },
    });
    const { outputAtExit } = await r.exited;
    expect(outputAtExit.toString()).toContain(`[hello world][unset][xterm-256color][${dir}]`);
  });

  it('delivers what is written to the child', async () => {
    const r = janitor.spawnRun({ file: 'sh', args: ['-c', 'read line; echo "got:$line"'], cwd: '/' });
    r.run.write('ping\n');
    const { outputAtExit, exit } = await r.exited;
    expect(exit.exitCode).toBe(0);
    expect(outputAtExit.toString()).toContain('got:ping');
  });

  it('throws SpawnError naming a missing executable', () => {
    const call = () => spawnInPty({ file: 'no-such-agent-cli', args: [], cwd: '/', env: { PATH } });
    expect(call).toThrow(SpawnError);
    expect(call).toThrow(/no-such-agent-cli/);
    try {
      call();
    } catch (err) {
      expect((err as SpawnError).code).toBe('spawn_failed');
    }
    expect(() => spawnInPty({ file: './bin/agent', args: [], cwd: '/', env: { PATH } })).toThrow(/"\.\/bin\/agent"/);
    expect(() => spawnInPty({ file: 'sh', args: [], cwd: '/', env: {} })).toThrow(/"sh".*PATH is empty/);
  });

  it('throws SpawnError naming a missing working folder', () => {
    const cwd = join(janitor.tempDir(), 'gone');
    expect(() => spawnInPty({ file: 'sh', args: [], cwd, env: { PATH } })).toThrow(SpawnError);
    expect(() => spawnInPty({ file: 'sh', args: [], cwd, env: { PATH } })).toThrow(cwd);
  });

  it('finds executables on the given PATH, not the host one', () => {
    const dir = janitor.tempDir();
    writeFileSync(join(dir, 'my-agent'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    expect(() => spawnInPty({ file: 'my-agent', args: [], cwd: '/', env: { PATH } })).toThrow(SpawnError);
    const r = janitor.spawnRun({ file: 'my-agent', args: [], cwd: '/', env: { PATH: `${dir}:${PATH}` } });
    return r.exited.then(({ outputAtExit }) => expect(outputAtExit.toString()).toContain('mine'));
  });
});

describe('output delivery', () => {
  const rawCat = (path: string, after = '') => ['-c', `stty -opost; cat "${path}"; ${after} exit 0`];

  it('delivers every byte before onExit when the child prints a lot and exits at once', async () => {
    for (let i = 0; i < 5; i++) {
      const r = janitor.spawnRun({ file: 'sh', args: rawCat(payloadPath), cwd: '/' });
      const { exit, outputAtExit } = await r.exited;
      expect(exit.exitCode).toBe(0);
      expect(outputAtExit.length).toBe(payload.length);
      expect(sha256(outputAtExit)).toBe(sha256(payload));
      await sleep(50);
      expect(r.output().length).toBe(payload.length);
    }
  });

  it.runIf(process.platform === 'linux')('hands out what a turn read as one chunk: more than a page at a time from a fast writer, none above 64 KiB', async () => {
    // A Linux pty gives at most 4095 bytes a read. Each read handed out alone (or libuv stopping
    // after one read a turn) would make 2 MiB arrive in 500+ chunks of a page or less.
    const r = janitor.spawnRun({ file: 'sh', args: rawCat(payloadPath), cwd: '/' });
    const sizes: number[] = [];
    r.run.onData((chunk) => sizes.push(chunk.length));
    const { outputAtExit } = await r.exited;
    expect(sha256(outputAtExit)).toBe(sha256(payload));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.filter((n) => n > 4095).length).toBeGreaterThan(0);
    expect(sizes.length).toBeLessThan(payload.length / 4095 / 2);
  });

  it('pause stops reading: the child blocks; resume delivers everything, nothing lost', async () => {
    const dir = janitor.tempDir();
    const marker = join(dir, 'done');
    const r = janitor.spawnRun({ file: 'sh', args: rawCat(payloadPath, `touch "${marker}";`), cwd: '/' });
    let paused = false;
    r.run.onData(() => {
      if (!paused) {
        paused = true;
        r.run.pause();
      }
    });
    await waitFor(() => paused, 'first output');
    await sleep(1000);
    const heldAt = r.output().length;
    await sleep(300);
    // 2 MiB is far beyond what the pty and the stream buffer hold: the child must be stuck writing.
    expect(r.output().length).toBe(heldAt);
    expect(heldAt).toBeLessThan(payload.length / 2);
    expect(existsSync(marker)).toBe(false);
    expect(readStartIdentity(r.run.pid)).toBe(r.run.startId);
    r.run.resume();
    const { exit, outputAtExit } = await r.exited;
    expect(exit.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(sha256(outputAtExit)).toBe(sha256(payload));
  });

  it('holds onExit while paused, and loses nothing the child wrote before it exited', async () => {
    const small = payload.subarray(0, 3000);
    const r = janitor.spawnRun({
      file: 'sh',
      args: ['-c', `stty -opost; head -c 1000 "${payloadPath}"; sleep 0.2; tail -c +1001 "${payloadPath}" | head -c 2000; exit 7`],
      cwd: '/',
    });
    r.run.pause();
    let exitSeen = false;
    void r.exited.then(() => (exitSeen = true));
    await waitFor(() => readStartIdentity(r.run.pid) === null, 'the leader to exit');
    // Longer than node-pty's own 200 ms teardown, which would have thrown the unread output away.
    await sleep(600);
    expect(exitSeen).toBe(false);
    r.run.resume();
    const { exit, outputAtExit } = await r.exited;
    expect(exit.exitCode).toBe(7);
    expect(sha256(outputAtExit)).toBe(sha256(small));
  });

  it('reports the exit even while a descendant still holds the pty open', async () => {
    const r = janitor.spawnRun({ file: 'sh', args: ['-c', 'sleep 600 & echo leader-done; exit 0'], cwd: '/' });
    const { exit, outputAtExit } = await r.exited;
    expect(exit.exitCode).toBe(0);
    expect(outputAtExit.toString()).toContain('leader-done');
  });
});

describe('spawn latency (printed for the heartbeat engine, not asserted)', () => {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  it('spawnInPty vs a bare node-pty spawn, median of 20 each, interleaved', async () => {
    const env = { PATH, VIGIL_RUN_ID: 'latency' };
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t0 = performance.now();
      const run = spawnInPty({ file: '/bin/true', args: [], cwd: '/', env });
      ours.push(performance.now() - t0);
      await new Promise((r) => run.onExit(r));
      t0 = performance.now();
      const p = nodePty.spawn('/bin/true', [], { name: 'xterm-256color', cols: 120, rows: 40, cwd: '/', env, encoding: null });
      bare.push(performance.now() - t0);
      await new Promise((r) => p.onExit(r));
    }
    const show = (xs: number[]) => `median ${median(xs).toFixed(2)} ms (min ${Math.min(...xs).toFixed(2)})`;
    console.log(`spawn latency over 20 spawns: spawnInPty ${show(ours)}, bare node-pty ${show(bare)}`);
    expect(ours).toHaveLength(20);
  });
});
