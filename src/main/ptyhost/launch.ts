// Connect-or-start: the host finds its data folder's pty host (by its identity file, checked
// like the folder lock) and connects, or starts one. Race-safe: the pty host's identity file is
// a lock, so of any number of hosts starting pty hosts at once exactly one pty host survives,
// and every host ends up connected to it.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { PTYHOST_PROTOCOL } from '../../shared/ptyhost-protocol';
import { ptyHostIdentityPathOf, ptyHostLogPathOf, ptyHostSocketPath } from '../../node/paths';
import { isSameProcess } from '../../node/process/identity';
import { readLock } from '../../node/process/lock-file';
import { PtyHostClient, PtyHostVersionError, type PtyHostConnectOptions } from './client';

/** How to run the pty host: `runtime script --data-dir DIR`. */
export interface PtyHostLaunch {
  /** Node under `vigil serve`; the desktop app's own executable (run as Node) in the app. */
  runtime: string;
  /** out/main/ptyhost.js (or a script that loads it). */
  script: string;
  /** Arguments before the script (e.g. a loader for tests that run the TypeScript source). */
  runtimeArgs?: string[];
  /** Exit after this long with no session and no host (default 5 s). */
  idleMs?: number;
  /** The host lets go of the pty host after this long with no session of its own (default 30 s). */
  lingerMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface PtyHostIdentity {
  pid: number;
  startId: string | null;
  protocol: number | null;
  bootId: string | null;
}

/** The live pty host of a data folder, or null when none runs (or its identity file is stale). */
export function livePtyHost(dataDir: string): PtyHostIdentity | null {
  const owner = readLock(ptyHostIdentityPathOf(dataDir));
  if (!owner || !isSameProcess(owner.pid, owner.startId)) return null;
  return {
    pid: owner.pid,
    startId: owner.startId,
    protocol: typeof owner.protocol === 'number' ? owner.protocol : null,
    bootId: typeof owner.bootId === 'string' ? owner.bootId : null,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Connects to the live pty host of `dataDir`, if there is one; null if none runs. */
export async function connectPtyHost(dataDir: string, opts: PtyHostConnectOptions & { timeoutMs?: number } = {}): Promise<PtyHostClient | null> {
  const protocol = opts.protocol ?? PTYHOST_PROTOCOL;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const live = livePtyHost(dataDir);
    if (!live) return null;
    // Its identity says it speaks another version: never say hello in ours.
    if (live.protocol !== protocol) throw new PtyHostVersionError(live.protocol, protocol, live.pid);
    try {
      return await PtyHostClient.connect(ptyHostSocketPath(dataDir), opts);
    } catch (err) {
      if (err instanceof PtyHostVersionError) throw new PtyHostVersionError(err.theirs, err.ours, live.pid, err.message);
      // Alive but not listening yet (it writes its identity first), or just exiting.
      if (Date.now() > deadline) throw new Error(`the pty host (pid ${live.pid}) of ${dataDir} does not answer on ${ptyHostSocketPath(dataDir)}: ${(err as Error).message}`);
      await sleep(25);
    }
  }
}

/**
 * The folder's pty host, started if none runs. Started detached (setsid: a session of its own),
 * with its output going to ptyhost.log in the data folder.
 */
export async function connectOrStartPtyHost(
  dataDir: string,
  launch: PtyHostLaunch,
  opts: PtyHostConnectOptions & { timeoutMs?: number } = {},
): Promise<PtyHostClient> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let started: { pid: number; exited: boolean; code: number | null } | null = null;
  for (;;) {
    const client = await connectPtyHost(dataDir, { ...opts, timeoutMs: Math.max(1000, deadline - Date.now()) });
    if (client) return client;
    // Start one unless ours is still coming up (its identity file not written yet).
    if (!started || started.exited) {
      if (started?.exited && started.code !== 0) {
        throw new Error(`the pty host exited with code ${started.code} before it listened; see ${ptyHostLogPathOf(dataDir)}`);
      }
      started = startPtyHost(dataDir, launch);
    }
    if (Date.now() > deadline) throw new Error(`the pty host did not start within ${opts.timeoutMs ?? 20_000} ms; see ${ptyHostLogPathOf(dataDir)}`);
    await sleep(25);
  }
}

function startPtyHost(dataDir: string, launch: PtyHostLaunch): { pid: number; exited: boolean; code: number | null } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(ptyHostLogPathOf(dataDir), 'a', 0o600);
  try {
    const args = [...(launch.runtimeArgs ?? []), launch.script, '--data-dir', dataDir];
    if (launch.idleMs !== undefined) args.push('--idle-ms', String(launch.idleMs));
    const child = spawn(launch.runtime, args, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...(launch.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
    });
    const state = { pid: child.pid ?? 0, exited: false, code: null as number | null };
    child.once('exit', (code) => {
      state.exited = true;
      state.code = code;
    });
    child.once('error', () => {
      state.exited = true;
      state.code = -1;
    });
    child.unref();
    return state;
  } finally {
    closeSync(logFd);
  }
}
