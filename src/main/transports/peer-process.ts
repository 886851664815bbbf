// Who is on the other end of a control-socket connection, as far as runs are concerned: the run
// cookie (VIGIL_RUN_ID) of the connected process or of its nearest ancestor that carries one.
// Node exposes no SO_PEERCRED, so Vigil reads it through a small N-API addon
// (native/peercred, built by `npm ci` with the node-gyp that builds node-pty): the pid of the
// process that called connect(), as the kernel recorded it, in one system call. Where the addon
// is missing (it did not build), the peer is found through `ss -xpn` as before (the kernel's
// sock_diag: our end's inode -> the peer socket -> the processes holding it), connections
// accepted together sharing one `ss` run. Looked up once, when the connection is accepted, while
// the client is certainly alive. Nothing is cached across connections: pids are reused.
import { execFile } from 'node:child_process';
import { fstatSync, readFileSync } from 'node:fs';
import { loadNativeAddon } from '../../node/native-addon';
import type { Socket } from 'node:net';

/** What the lookup found: the peer's processes (pids), or that this system cannot tell. */
export type PeerLookup = { kind: 'found'; pids: number[] } | { kind: 'unsupported' };

const SS_TIMEOUT_MS = 5000;
/** Ancestors looked at above the peer before giving up (init is reached long before). */
const MAX_ANCESTORS = 64;

let supported = process.platform === 'linux';
let batch: { inodes: Map<number, ((r: PeerLookup) => void)[]>; started: boolean } | null = null;

interface PeerCredAddon {
  /** The connecting process's pid; 0 when it is in a pid namespace we cannot see; -errno on failure. */
  peerPid(fd: number): number;
}

/** undefined: not looked for yet; null: not available here (the `ss` fallback is used). */
let addon: PeerCredAddon | null | undefined = process.platform === 'linux' ? undefined : null;

/** The addon (src/node/native-addon.ts), or null when it was not built or does not load. */
function peerCredAddon(): PeerCredAddon | null {
  if (addon === undefined) addon = loadNativeAddon<PeerCredAddon>('peercred', 'peercred', (e) => typeof e.peerPid === 'function');
  return addon;
}

/** How peers are identified here: 'peercred' (the addon), 'ss', or 'none'. For the docs and tests. */
export function peerLookupMethod(): 'peercred' | 'ss' | 'none' {
  if (peerCredAddon()) return 'peercred';
  return supported ? 'ss' : 'none';
}

/** Tests: make the lookup use `ss` (false) or look for the addon again (true). */
export function usePeerCredAddon(use: boolean): void {
  addon = use && process.platform === 'linux' ? undefined : null;
}

/**
 * The process(es) on the other end of an accepted unix socket connection: with the addon, the
 * one that connected (SO_PEERCRED); with `ss`, every process holding the peer socket.
 */
export function peerPids(socket: Socket): Promise<PeerLookup> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return Promise.resolve({ kind: 'unsupported' });
  const native = peerCredAddon();
  if (native) {
    const pid = native.peerPid(fd);
    // 0: a process in another pid namespace; < 0: the socket is no longer connected. Either
    // way no process of ours can be named: refused like a peer that vanished.
    return Promise.resolve({ kind: 'found', pids: pid > 0 ? [pid] : [] });
  }
  if (!supported) return Promise.resolve({ kind: 'unsupported' });
  let inode: number;
  try {
    inode = fstatSync(fd).ino;
  } catch {
    return Promise.resolve({ kind: 'unsupported' }); // the socket closed meanwhile: no peer to ask about
  }
  return new Promise((resolve) => {
    if (!batch || batch.started) {
      const next = { inodes: new Map<number, ((r: PeerLookup) => void)[]>(), started: false };
      batch = next;
      setImmediate(() => runBatch(next));
    }
    const waiting = batch.inodes.get(inode) ?? [];
    waiting.push(resolve);
    batch.inodes.set(inode, waiting);
  });
}

function runBatch(current: { inodes: Map<number, ((r: PeerLookup) => void)[]>; started: boolean }): void {
  current.started = true;
  execFile('ss', ['-xpn'], { timeout: SS_TIMEOUT_MS, maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => {
    if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') supported = false;
    const byPeer = err ? null : parseSs(stdout);
    for (const [inode, waiting] of current.inodes) {
      const result: PeerLookup = byPeer ? { kind: 'found', pids: byPeer.get(inode) ?? [] } : { kind: 'unsupported' };
      for (const resolve of waiting) resolve(result);
    }
  });
}

/** `ss -xpn` lines -> peer inode -> pids of the processes holding the socket whose peer it is. */
export function parseSs(output: string): Map<number, number[]> {
  const byPeer = new Map<number, number[]>();
  for (const line of output.split('\n')) {
    const m = /\s(\d+)\s+users:\(\((.*)\)\)\s*$/.exec(line);
    if (!m) continue;
    const pids = [...m[2].matchAll(/pid=(\d+)/g)].map((p) => Number(p[1]));
    const peer = Number(m[1]);
    byPeer.set(peer, [...(byPeer.get(peer) ?? []), ...pids]);
  }
  return byPeer;
}

/** A /proc file's contents, or null once the process is gone. */
function readProc(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * The nearest VIGIL_RUN_ID on a process or its ancestors (the environment each started with).
 * Read synchronously: a /proc file is made in memory on read (a few microseconds), where each
 * promise-based read takes four trips through the thread pool, and every CLI call waits for this.
 */
export async function runCookieOf(pid: number, stopAt: number = process.pid): Promise<string | null> {
  let current = pid;
  for (let depth = 0; depth < MAX_ANCESTORS && current > 1 && current !== stopAt; depth++) {
    const environ = readProc(`/proc/${current}/environ`);
    if (environ) {
      for (const entry of environ.toString('utf8').split('\0')) {
        if (entry.startsWith('VIGIL_RUN_ID=')) {
          const id = entry.slice('VIGIL_RUN_ID='.length);
          if (id) return id;
        }
      }
    }
    const stat = readProc(`/proc/${current}/stat`)?.toString('utf8');
    if (!stat) return null;
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!Number.isInteger(ppid)) return null;
    current = ppid;
  }
  return null;
}
