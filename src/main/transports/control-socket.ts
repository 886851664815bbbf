// The control socket: the CLI's (and agents') way into a running host. A unix socket private to
// the user, speaking newline-delimited JSON WireRequest/WireResponse/WireEvent documents.
import { chmodSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { HostLike } from '../host-types';
import { ContractError } from '../../shared/errors';
import { MAX_REQUEST_BYTES } from '../../shared/wire';
import { preparePrivateSocketFolder } from '../../node/process/private-socket-folder';
import { peerPids, runCookieOf } from './peer-process';
import { createBoundedReceiver, createUnreadGuard, createWireSession, failure, tooLarge, type WireMessage } from './wire-session';

/** Requests of one connection handled at once; the rest of what it sent waits, and we stop reading. */
const MAX_IN_FLIGHT = 32;
/** How long a dropped connection gets to flush its farewell before it is destroyed. */
const DROP_GRACE_MS = 2000;

export interface ControlSocket {
  close(): Promise<void>;
}

export async function startControlSocket(host: HostLike, socketPath: string): Promise<ControlSocket> {
  const isPipe = process.platform === 'win32';
  if (!isPipe) {
    preparePrivateSocketFolder(socketPath, 'the control socket');
    await removeStaleSocket(socketPath);
  }
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    serveConnection(host, socket);
  });
  await listenPrivately(server, socketPath, isPipe);
  const ino = isPipe ? null : lstatSync(socketPath).ino;

  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
        // Only remove the file if it is still ours (a successor may have replaced it).
        if (ino !== null) {
          try {
            if (lstatSync(socketPath).ino === ino) unlinkSync(socketPath);
          } catch {
            /* already gone */
          }
        }
      });
      return closing;
    },
  };
}

function serveConnection(host: HostLike, socket: Socket): void {
  let dropped = false;
  const send = (message: WireMessage) => {
    if (dropped || !socket.writable) return;
    socket.write(`${JSON.stringify(message)}\n`);
    guard.wrote();
  };
  const processRunId = runCookieOfPeer(socket);
  processRunId.catch(() => undefined); // answered per request, if any comes
  const session = createWireSession(host, send, { processRunId });
  const drop = (reason: string) => {
    if (dropped) return;
    dropped = true;
    guard.stop();
    receiver.clear();
    session.close();
    const farewell = failure(null, new ContractError('conflict', `connection dropped: ${reason}`));
    socket.end(`${JSON.stringify(farewell)}\n`);
    setTimeout(() => socket.destroy(), DROP_GRACE_MS).unref();
  };

  const receiver = createBoundedReceiver(
    MAX_IN_FLIGHT,
    (line) => session.receive(line),
    (reading) => {
      if (!reading) socket.pause();
      else if (!dropped && socket.readable) socket.resume();
    },
  );
  const run = (line: string) => receiver.push(line);
  const guard = createUnreadGuard(() => socket.writableLength, (held) => receiver.hold(held), drop);

  // Bytes of the current, unterminated line; `discarding` skips the rest of an oversize one.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let discarding = false;
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (discarding) {
        discarding = false;
        continue;
      }
      const line = pendingBytes > 0 ? Buffer.concat([...pending, piece]).toString('utf8') : piece.toString('utf8');
      pending = [];
      pendingBytes = 0;
      if (line.trim() !== '') run(line);
    }
    if (start < chunk.length && !discarding) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_REQUEST_BYTES) {
        pending = [];
        pendingBytes = 0;
        discarding = true;
        send(failure(null, tooLarge()));
      }
    }
  });
  socket.on('error', () => {
    /* a client vanished mid-write; 'close' follows */
  });
  socket.on('close', () => {
    guard.stop();
    receiver.clear();
    session.close();
  });
}

/**
 * The run cookie of the connected process (or an ancestor): an agent's process is its run's
 * agent whatever token it sends. Where the peer cannot be looked up at all (not Linux) only the
 * token counts. A peer that vanished before it could be looked up is refused: with SO_PEERCRED
 * the pid is the process that connected, and a run's process that connects, hands the socket to
 * a process outside its run and exits must not leave that process speaking as the user.
 */
async function runCookieOfPeer(socket: Socket): Promise<string | null> {
  const peer = await peerPids(socket);
  if (peer.kind === 'unsupported') return null;
  let alive = false;
  for (const pid of peer.pids) {
    const runId = await runCookieOf(pid);
    if (runId) return runId;
    // Still there after the walk: what was read was this process's (its pid not yet reused).
    if (isAlive(pid)) alive = true;
  }
  if (!alive) {
    throw new ContractError('unauthorized', 'could not identify the process on the other end of this connection; connect from a process that stays until it is answered');
  }
  return null;
}

/** The process exists and has not exited (a zombie's environment reads empty). Read as runCookieOf reads. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** A leftover socket file from a crashed host is removed; one a live host answers on is not. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(socketPath).isSocket();
  } catch {
    return; // nothing there: nothing to remove
  }
  if (!isSocket) throw new Error(`refusing to replace ${socketPath}: it exists and is not a socket`);
  if (await answers(socketPath)) {
    throw new Error(`another Vigil host is already listening on ${socketPath}`);
  }
  unlinkSync(socketPath);
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * The socket is created under a 0177 umask, so there is no moment when it is reachable by
 * others; bind happens synchronously inside listen(), so the umask is restored at once.
 */
function listenPrivately(server: Server, socketPath: string, isPipe: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const previous = isPipe ? null : process.umask(0o177);
    try {
      server.listen(socketPath, () => {
        server.off('error', reject);
        if (!isPipe) chmodSync(socketPath, 0o600);
        resolve();
      });
    } finally {
      if (previous !== null) process.umask(previous);
    }
  });
}
