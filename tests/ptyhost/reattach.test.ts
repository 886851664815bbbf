// The pty host with real processes: agents outlive a SIGKILLed host, a new host reattaches,
// catches up without gap or duplicate, and gets the real exit of an agent that ended meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PtyHostClient, PtyHostRequestError, PtyHostVersionError } from '../../src/main/ptyhost/client';
import { connectOrStartPtyHost, connectPtyHost, livePtyHost, type PtyHostLaunch } from '../../src/main/ptyhost/launch';
import { ptyHostIdentityPathOf, ptyHostSocketPath } from '../../src/node/paths';
import { readProcStat, readStartIdentity } from '../../src/node/process/identity';
import { PTYHOST_PROTOCOL, type PtyExitInfo } from '../../src/shared/ptyhost-protocol';
import { ensureBuilt, ROOT } from '../helpers/serve';
import { pidAlive, waitFor } from '../helpers/host';

const SCRIPT = join(ROOT, 'out', 'main', 'ptyhost.js');
const FAKE_HOST = join(ROOT, 'tests', 'fixtures', 'ptyhost', 'fake-host.ts');
const launch = (idleMs = 1500): PtyHostLaunch => ({ runtime: process.execPath, script: SCRIPT, idleMs });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };

beforeAll(() => ensureBuilt(), 600_000);

const dirs: string[] = [];
const pids: number[] = [];
const children: ChildProcess[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'vigil-ptyhost-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface FakeHost {
  proc: ChildProcess;
  events: Record<string, unknown>[];
  wait(pred: (e: Record<string, unknown>) => boolean, label: string): Promise<Record<string, unknown>>;
}

function startFakeHost(spec: object): FakeHost {
  const proc = spawn(process.execPath, ['--import', 'tsx', FAKE_HOST, JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const events: Record<string, unknown>[] = [];
  let buf = '';
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  proc.stdout!.setEncoding('utf8').on('data', (t: string) => {
    buf += t;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  return {
    proc,
    events,
    wait: (pred, label) => waitFor(() => events.find(pred), 60_000, `${label} (stderr: ${stderr})`),
  };
}

/** Collects a handle's output and exit, checking offsets are contiguous from `from`. */
function collect(handle: Awaited<ReturnType<PtyHostClient['attach']>>, from: number) {
  const parts: Buffer[] = [];
  let next = from;
  const gaps: string[] = [];
  let exit: PtyExitInfo | null = null;
  handle.onOutput((offset, data) => {
    if (offset !== next) gaps.push(`expected ${next}, got ${offset}`);
    next = offset + data.length;
    parts.push(Buffer.from(data));
  });
  handle.onExit((e) => (exit = e));
  return { bytes: () => Buffer.concat(parts), gaps, exit: () => exit };
}

describe('pty host', () => {
  it('keeps agents running when the host is SIGKILLed; a new host reattaches, catches up, gets the real exit', async () => {
    const dataDir = tempDir();
    const out = tempDir();
    const side = join(out, 'loop.side');
    // Prints a numbered line every 50 ms for ~8 s, keeping a copy of what it printed.
    const loop = `for i in $(seq 1 160); do echo "line $i of the loop"; echo "line $i of the loop" >> '${side}'; sleep 0.05; done`;
    const host1 = startFakeHost({
      dataDir,
      out,
      launch: launch(),
      spawn: [
        { session: 'loop', file: '/bin/sh', args: ['-c', loop], cwd: out, env: ENV },
        { session: 'exiter', file: '/bin/sh', args: ['-c', 'sleep 1; echo done; exit 3'], cwd: out, env: ENV },
        { session: 'sleeper', file: 'sleep', args: ['600'], cwd: out, env: ENV },
      ],
    });
    await host1.wait((e) => e.event === 'ready', 'the first host to spawn three sessions');
    const spawned = Object.fromEntries(host1.events.filter((e) => e.event === 'spawned').map((e) => [e.session as string, e]));
    for (const s of Object.values(spawned)) pids.push(s.pid as number);
    const ptyHostPid = (host1.events.find((e) => e.event === 'connected')!.ptyHostPid as number);
    pids.push(ptyHostPid);
    await host1.wait((e) => e.event === 'data' && e.session === 'loop' && (e.offset as number) > 100, 'loop output to reach the first host');

    // The pty host leads a session of its own: the host's group and terminal are not its.
    const stat = readProcStat(ptyHostPid)!;
    expect(stat.sid).toBe(ptyHostPid);
    expect(stat.pgid).toBe(ptyHostPid);

    host1.proc.kill('SIGKILL');
    await new Promise((r) => host1.proc.once('exit', r));
    const seenBefore = readFileSync(join(out, 'loop.seen'));
    const logPath = join(dataDir, 'logs', 'loop.log');
    const sizeAtCrash = statSync(logPath).size;

    // Agents keep running, the log keeps growing, and the exiter ends while no host is connected.
    for (const name of ['loop', 'sleeper']) expect(readStartIdentity(spawned[name].pid as number)).toBe(spawned[name].startId);
    await waitFor(() => statSync(logPath).size > sizeAtCrash + 200, 20_000, 'the loop log to grow with no host');
    await waitFor(() => !pidAlive(spawned.exiter.pid as number), 20_000, 'the exiter to exit');
    expect(livePtyHost(dataDir)?.pid).toBe(ptyHostPid);

    // A new host: list, then attach from what the dead host had seen.
    const client = (await connectPtyHost(dataDir))!;
    expect(client.ptyHostPid).toBe(ptyHostPid);
    // Its exit is recorded once its last output is read and its log closed, just after the pid is gone.
    const sessions = await waitFor(async () => {
      const listed = await client.list();
      return listed.find((s) => s.session === 'exiter')?.exit ? listed : null;
    }, 10_000, "the exiter's exit to be recorded");
    expect(sessions.map((s) => s.session).sort()).toEqual(['exiter', 'loop', 'sleeper']);
    const exiterInfo = sessions.find((s) => s.session === 'exiter')!;
    expect(exiterInfo.exit).toMatchObject({ exitCode: 3, signal: null });
    expect(Buffer.from(exiterInfo.exit!.lastBytes, 'base64').toString()).toContain('done');
    expect(sessions.find((s) => s.session === 'loop')!.exit).toBeNull();

    const loopHandle = await client.attach('loop', seenBefore.length);
    const loopOut = collect(loopHandle, seenBefore.length);
    const exiterHandle = await client.attach('exiter', exiterInfo.exit!.logBytes);
    const exiterOut = collect(exiterHandle, exiterInfo.exit!.logBytes);
    await waitFor(() => exiterOut.exit(), 10_000, "the exiter's exit to be delivered on attach");
    expect(exiterOut.exit()).toMatchObject({ exitCode: 3 });
    exiterHandle.acknowledge();

    await waitFor(() => loopOut.exit(), 60_000, 'the loop to finish');
    const exit = loopOut.exit()!;
    expect(exit).toMatchObject({ exitCode: 0, signal: null });
    expect(loopOut.gaps).toEqual([]);
    // Before + after the crash = the whole log, = what the agent printed (the pty's \r\n).
    const whole = Buffer.concat([seenBefore, loopOut.bytes()]);
    const log = readFileSync(logPath);
    const printed = Buffer.from(readFileSync(side, 'utf8').replaceAll('\n', '\r\n'));
    expect(whole.length).toBe(log.length);
    expect(sha256(whole)).toBe(sha256(log));
    expect(sha256(log)).toBe(sha256(printed));
    expect(exit.logSha256).toBe(sha256(printed));
    expect(exit.logBytes).toBe(printed.length);
    loopHandle.acknowledge();

    // The sleeper is still there; a group signal ends it, its exit names the signal.
    const sleeperHandle = await client.attach('sleeper', 0);
    const sleeper = collect(sleeperHandle, 0);
    sleeperHandle.signal('SIGTERM');
    await waitFor(() => sleeper.exit(), 10_000, 'the sleeper to end');
    client.close();

    // Nothing left and no host: the pty host exits by itself, removing its socket and identity.
    const again = (await connectPtyHost(dataDir))!;
    const left = await again.list();
    expect(left.map((s) => s.session)).toEqual(['sleeper']);
    expect(left[0].exit).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    (await again.attach('sleeper', left[0].bytes)).acknowledge();
    again.close();
    await waitFor(() => !pidAlive(ptyHostPid), 20_000, 'the idle pty host to exit');
    expect(existsSync(ptyHostSocketPath(dataDir))).toBe(false);
    expect(existsSync(ptyHostIdentityPathOf(dataDir))).toBe(false);
  }, 180_000);

  it('listens on a 0600 socket and records its identity; spawn errors are clear; secrets are masked', async () => {
    const dataDir = tempDir();
    const client = await connectOrStartPtyHost(dataDir, launch());
    pids.push(client.ptyHostPid);
    expect(statSync(ptyHostSocketPath(dataDir)).mode & 0o777).toBe(0o600);
    const identity = JSON.parse(readFileSync(ptyHostIdentityPathOf(dataDir), 'utf8'));
    expect(identity).toMatchObject({ pid: client.ptyHostPid, protocol: PTYHOST_PROTOCOL, startId: readStartIdentity(client.ptyHostPid) });
    expect(identity.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(statSync(ptyHostIdentityPathOf(dataDir)).mode & 0o777).toBe(0o600);

    await expect(client.spawn({ session: 'nope', file: 'no-such-agent-binary', args: [], cwd: dataDir, env: ENV, secrets: [] })).rejects.toThrow(
      PtyHostRequestError,
    );
    await expect(client.spawn({ session: 'nope', file: 'no-such-agent-binary', args: [], cwd: dataDir, env: ENV, secrets: [] })).rejects.toThrow(
      /not found on PATH/,
    );

    const handle = await client.spawn({ session: 'secret', file: '/bin/sh', args: ['-c', 'printf "key=%s%s\\n" hunter2- pass; read x; echo "got $x"'], cwd: dataDir, env: ENV, secrets: ['hunter2-pass'] });
    const got = collect(handle, 0);
    await waitFor(() => got.bytes().includes('key='), 10_000, 'the prompt');
    handle.write('hello\r');
    await waitFor(() => got.exit(), 10_000, 'the secret run to end');
    const log = readFileSync(join(dataDir, 'logs', 'secret.log'), 'utf8');
    expect(log).not.toContain('hunter2-pass');
    expect(log).toContain('got hello');
    expect(got.bytes().toString()).toBe(log);
    handle.acknowledge();
    client.close();
  }, 60_000);

  it('two hosts starting at once end with one pty host, both connected to it', async () => {
    const dataDir = tempDir();
    const out = tempDir();
    const spec = (session: string) => ({ dataDir, out, launch: launch(), spawn: [{ session, file: 'sleep', args: ['600'], cwd: out, env: ENV }] });
    const a = startFakeHost(spec('a'));
    const b = startFakeHost(spec('b'));
    const [ca, cb] = await Promise.all([a.wait((e) => e.event === 'ready', 'host a'), b.wait((e) => e.event === 'ready', 'host b')]).then(() => [
      a.events.find((e) => e.event === 'connected')!.ptyHostPid,
      b.events.find((e) => e.event === 'connected')!.ptyHostPid,
    ]);
    for (const h of [a, b]) pids.push(h.events.find((e) => e.event === 'spawned')!.pid as number);
    pids.push(ca as number);
    expect(ca).toBe(cb);
    const client = (await connectPtyHost(dataDir))!;
    expect((await client.list()).map((s) => s.session).sort()).toEqual(['a', 'b']);
    client.close();
  }, 120_000);

  it('a host of another protocol version is refused clearly, and never spoken to in the wrong protocol', async () => {
    const dataDir = tempDir();
    const old = spawn(process.execPath, [SCRIPT, '--data-dir', dataDir, '--idle-ms', '60000', '--protocol', '99'], { stdio: 'ignore', detached: true });
    pids.push(old.pid!);
    await waitFor(() => livePtyHost(dataDir), 20_000, 'the protocol-99 pty host');
    // By its identity file: no hello is said at all.
    const err = await connectPtyHost(dataDir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PtyHostVersionError);
    expect((err as Error).message).toContain(`speaks protocol version 99; this Vigil speaks ${PTYHOST_PROTOCOL}`);
    expect((err as Error).message).toContain(`pid ${old.pid}`);
    // Said hello anyway (an identity file that lies): the pty host refuses, naming both versions.
    await waitFor(() => existsSync(ptyHostSocketPath(dataDir)), 10_000, 'the socket');
    const refused = await PtyHostClient.connect(ptyHostSocketPath(dataDir)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PtyHostVersionError);
    expect((refused as Error).message).toContain(`this pty host speaks protocol 99, the host speaks ${PTYHOST_PROTOCOL}`);
    // connect-or-start does not start a second one beside it either.
    await expect(connectOrStartPtyHost(dataDir, launch())).rejects.toThrow(PtyHostVersionError);
    expect(livePtyHost(dataDir)?.pid).toBe(old.pid);
  }, 60_000);

  it('20 MB through a host that stops reading: the pty waits, no byte is lost or changed', async () => {
    const dataDir = tempDir();
    const payload = join(dataDir, 'payload.bin');
    const bytes = randomBytes(20 << 20);
    writeFileSync(payload, bytes);
    const client = await connectOrStartPtyHost(dataDir, launch());
    pids.push(client.ptyHostPid);
    const h = await client.spawn({ session: 'big', file: '/bin/sh', args: ['-c', `stty raw -opost; cat '${payload}'`], cwd: dataDir, env: ENV, secrets: [] });
    const got = collect(h, 0);
    // The host stops reading its socket for a while: the pty host must pause the pty, not buffer 20 MB.
    const socket = (client as unknown as { socket: import('node:net').Socket }).socket;
    socket.pause();
    await new Promise((r) => setTimeout(r, 1500));
    // Paused at the congestion mark: the log holds what was sent or queued, far from all of it.
    expect(statSync(join(dataDir, 'logs', 'big.log')).size).toBeLessThan(16 << 20);
    socket.resume();
    await waitFor(() => got.exit(), 120_000, 'the 20 MB run to end');
    expect(got.gaps).toEqual([]);
    expect(got.exit()).toMatchObject({ exitCode: 0, logBytes: bytes.length, logSha256: sha256(bytes) });
    expect(sha256(got.bytes())).toBe(sha256(bytes));
    expect(sha256(readFileSync(join(dataDir, 'logs', 'big.log')))).toBe(sha256(bytes));
    h.acknowledge();
    client.close();
  }, 180_000);

  it('a pty host that dies takes its agents with it, and the host is told each run is lost', async () => {
    const dataDir = tempDir();
    const client = await connectOrStartPtyHost(dataDir, launch());
    const h = await client.spawn({ session: 'doomed', file: 'sleep', args: ['600'], cwd: dataDir, env: ENV, secrets: [] });
    pids.push(h.pid);
    let lost: string | null = null;
    h.onLost((reason) => (lost = reason));
    process.kill(client.ptyHostPid, 'SIGKILL');
    await waitFor(() => lost, 10_000, 'the handle to hear of the loss');
    expect(client.closed).toBe(true);
    // Its terminal hung up: the agent got SIGHUP, as when the host held the pty itself.
    await waitFor(() => !pidAlive(h.pid), 10_000, 'the agent to die with its terminal');
    // A stale identity: the next connect-or-start starts a new pty host.
    const next = await connectOrStartPtyHost(dataDir, launch());
    pids.push(next.ptyHostPid);
    expect(next.ptyHostPid).not.toBe(client.ptyHostPid);
    expect(await next.list()).toEqual([]);
    next.close();
  }, 60_000);

  it('exits by itself when idle; exitWhenIdle ends it at once', async () => {
    const dataDir = tempDir();
    const first = spawn(process.execPath, [SCRIPT, '--data-dir', dataDir, '--idle-ms', '300'], { stdio: 'ignore', detached: true });
    pids.push(first.pid!);
    await waitFor(() => livePtyHost(dataDir), 20_000, 'the pty host');
    await waitFor(() => !pidAlive(first.pid!), 20_000, 'the idle pty host to exit');
    expect(existsSync(ptyHostIdentityPathOf(dataDir))).toBe(false);

    const client = await connectOrStartPtyHost(dataDir, launch(600_000));
    pids.push(client.ptyHostPid);
    const h = collect(await client.spawn({ session: 's', file: '/bin/sh', args: ['-c', 'echo hi'], cwd: dataDir, env: ENV, secrets: [] }), 0);
    await waitFor(() => h.exit(), 10_000, 'the run to end');
    client.exitWhenIdle();
    await new Promise((r) => setTimeout(r, 300));
    expect(pidAlive(client.ptyHostPid)).toBe(true); // an unacknowledged exit keeps it
    (await client.attach('s', 0)).acknowledge();
    await waitFor(() => !pidAlive(client.ptyHostPid), 10_000, 'the pty host to exit once idle');
  }, 60_000);
});
