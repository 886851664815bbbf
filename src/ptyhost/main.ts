// The pty host's entry (out/main/ptyhost.js): `ptyhost.js --data-dir DIR [--idle-ms N]`.
// Started detached by a host (src/main/ptyhost/launch.ts) with Node, or with the desktop app's
// own executable in Node mode (ELECTRON_RUN_AS_NODE=1). It leads a session of its own, so the
// host's death and its terminal's hang-up do not reach it; it exits when idle.
import { parseArgs } from 'node:util';
import { openLogFile } from '../node/log-file';
import { ptyHostLogPathOf } from '../node/paths';
import { PtyHostRunningError, PtyHostServer } from './server';

// stderr until the data folder is known, then ptyhost.log through the rotating writer the host
// uses for host.log. (The launcher points our stderr at ptyhost.log too, for what Node itself
// prints; after a rotation that output lands in ptyhost.log.1 until this pty host exits.)
let write = (line: string): void => {
  process.stderr.write(line);
};
const log = (text: string) => write(`${new Date().toISOString()} ptyhost[${process.pid}] ${text}\n`);

async function main(): Promise<number | null> {
  const { values } = parseArgs({
    options: { 'data-dir': { type: 'string' }, 'idle-ms': { type: 'string' }, protocol: { type: 'string' } },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (!dataDir) {
    log('usage: ptyhost.js --data-dir DIR [--idle-ms N]');
    return 2;
  }
  const file = openLogFile(ptyHostLogPathOf(dataDir));
  write = (line) => file.write(line);
  const idleMs = values['idle-ms'] === undefined ? undefined : Number(values['idle-ms']);
  if (idleMs !== undefined && !(Number.isInteger(idleMs) && idleMs >= 0)) {
    log(`--idle-ms must be a whole number of milliseconds, got ${values['idle-ms']}`);
    return 2;
  }
  // Only for tests of a version mismatch: answer as another protocol version.
  const protocol = values.protocol === undefined ? undefined : Number(values.protocol);
  process.title = 'vigil-ptyhost';
  // A hang-up of whatever terminal started us is not ours to die of (we lead our own session).
  process.on('SIGHUP', () => log('ignored SIGHUP'));
  // The host's socket closing under a write is an ordinary event, not a crash.
  process.on('SIGPIPE', () => undefined);
  let server: PtyHostServer;
  try {
    server = await PtyHostServer.start({
      dataDir,
      idleMs,
      protocol,
      onExit: () => {
        log('idle: exiting');
        process.exit(0);
      },
    });
  } catch (err) {
    if (err instanceof PtyHostRunningError) {
      // Two hosts started a pty host at once: the other one won, which is the point.
      log(err.message);
      return 0;
    }
    throw err;
  }
  log(`listening on ${server.socketPath} (protocol ${server.protocol})`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Asked to stop: agents keep running only while we live, so this is logged, then honoured.
    process.once(signal, () => {
      log(`${signal} with ${server.sessionCount} session(s): exiting`);
      server.stop();
    });
  }
  return null;
}

main().then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
