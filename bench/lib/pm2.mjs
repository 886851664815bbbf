// PM2 as the peer: its daemon with a private PM2_HOME in a temp folder, driven through its
// programmatic API (what `pm2 start <script> --no-autorestart` does, minus the CLI's own
// start-up), and killed at the end.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { log, now, onCleanup, ROOT, sleep, tempDir } from './common.mjs';

/** Clock ticks per second of /proc/PID/stat times (100 on every Linux Node supports). */
const CLK_TCK = 100;
const promisify = (fn) => new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));

/** Starts a private PM2 daemon; returns { capture(file, args, expectBytes, name) } and stops it on cleanup. */
export async function startPm2() {
  const home = tempDir('vigil-bench-pm2-');
  process.env.PM2_HOME = home;
  // PM2 reads PM2_HOME when it is first loaded: load it only now.
  const require = createRequire(join(ROOT, 'package.json'));
  const pm2 = require('pm2');
  const t = now();
  await promisify((cb) => pm2.connect(false, cb));
  log(`pm2 ${require('pm2/package.json').version} daemon up in ${(now() - t).toFixed(0)} ms (PM2_HOME=${home})`);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await promisify((cb) => pm2.delete('all', cb)).catch(() => undefined);
    await promisify((cb) => pm2.killDaemon(cb)).catch(() => undefined);
    pm2.disconnect();
    const pidFile = join(home, 'pm2.pid');
    if (existsSync(pidFile)) log('pm2 daemon pid file still present after killDaemon');
  };
  onCleanup(stop);
  /** CPU time (user + system) the daemon used so far, from /proc (Linux); NaN elsewhere. */
  const daemonCpuMs = () => {
    try {
      const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
    } catch {
      return NaN;
    }
  };
  let n = 0;
  return {
    stop,
    /** The daemon's pid (null when it cannot be read): its processes are PM2's, not Vigil's. */
    daemonPid() {
      try {
        return Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
      } catch {
        return null;
      }
    },
    /**
     * Starts `script args` (no autorestart), waits for its exit and for its whole output to be
     * in PM2's out log. Returns { ms, bytes, path }: ms from the start call to the log complete.
     */
    async capture(script, args, expectBytes, timeoutMs = 600_000) {
      const name = `bench-${++n}`;
      const out = join(home, `${name}.out.log`);
      const err = join(home, `${name}.err.log`);
      const cpu0 = daemonCpuMs();
      const t0 = now();
      await promisify((cb) =>
        pm2.start({ name, script, args, interpreter: 'none', autorestart: false, out_file: out, error_file: err, merge_logs: true }, cb),
      );
      const deadline = Date.now() + timeoutMs;
      let exited = false;
      let size = 0;
      let lastChange = now();
      let lastAsked = now();
      for (;;) {
        const s = existsSync(out) ? statSync(out).size : 0;
        if (s !== size) {
          size = s;
          lastChange = now();
        }
        if (size >= expectBytes) break;
        // Asking the daemon is an RPC: rarely, so the poll does not compete with the capture.
        if (!exited && now() - lastAsked > 200) {
          lastAsked = now();
          const [desc] = await promisify((cb) => pm2.describe(name, cb));
          exited = !desc || desc.pm2_env?.status === 'stopped' || desc.pm2_env?.status === 'errored';
        }
        // Exited and nothing more for 3 s: whatever is missing is lost.
        if (exited && now() - lastChange > 3000) break;
        if (Date.now() > deadline) throw new Error(`pm2 ${name}: no complete log after ${timeoutMs} ms`);
        await sleep(2);
      }
      const t1 = lastChange;
      const cpu = daemonCpuMs() - cpu0;
      await promisify((cb) => pm2.delete(name, cb)).catch(() => undefined);
      return { ms: t1 - t0, bytes: size, path: out, daemonCpuMs: cpu };
    },
  };
}
