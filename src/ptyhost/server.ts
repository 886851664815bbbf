// The pty host's server: one per data folder (its identity file is a lock), listening on a
// private Unix socket. It owns every agent's session; hosts come and go. With no session and
// no host connected it exits after a short grace.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import {
  encodeControl,
  encodeOutputHeader,
  FrameDecoder,
  MAX_OUTPUT_CHUNK,
  helloFieldsOf,
  parseHostFrame,
  PTYHOST_PROTOCOL,
  type HostFrame,
  type PtyExitInfo,
  type PtyHostFrame,
} from '../shared/ptyhost-protocol';
import { RunLogStore } from '../node/logs/run-log';
import { logsDirOf, ptyHostIdentityPathOf, ptyHostSocketPath } from '../node/paths';
import { bootId, readStartIdentity } from '../node/process/identity';
import { acquireLockFile, type LockContent, type LockFile } from '../node/process/lock-file';
import { PtySession, type Watcher } from '../node/process/pty-session';
import { preparePrivateSocketFolder } from '../node/process/private-socket-folder';
import { addExits } from '../node/process/exits-file';

export interface PtyHostServerOptions {
  dataDir: string;
  /** With no session and no host connected this long, exit (default 5 s). */
  idleMs?: number;
  /** Answer hellos as this protocol version (tests of a version mismatch). */
  protocol?: number;
  onExit?: () => void;
}

/** Another pty host owns the folder: this one has nothing to do. */
export class PtyHostRunningError extends Error {
  constructor(readonly owner: LockContent) {
    super(`a pty host (pid ${owner.pid}, protocol ${String(owner.protocol)}) already serves this data folder`);
    this.name = 'PtyHostRunningError';
  }
}

/** A connection's send buffer above this pauses the ptys it watches until it drains. */
const CONGESTED_BYTES = 8 << 20;

export class PtyHostServer {
  private readonly sessions = new Map<string, PtySession>();
  private readonly connections = new Set<Connection>();
  private readonly logs: RunLogStore;
  private idleTimer: NodeJS.Timeout | null = null;
  private exitWhenIdle = false;
  private stopped = false;
  readonly socketPath: string;
  readonly protocol: number;

  private constructor(
    private readonly opts: PtyHostServerOptions,
    private readonly lock: LockFile,
    private readonly server: Server,
  ) {
    this.logs = new RunLogStore(logsDirOf(opts.dataDir));
    this.socketPath = ptyHostSocketPath(opts.dataDir);
    this.protocol = opts.protocol ?? PTYHOST_PROTOCOL;
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Takes the folder's pty host identity and listens; throws PtyHostRunningError if another owns it. */
  static async start(opts: PtyHostServerOptions): Promise<PtyHostServer> {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    const protocol = opts.protocol ?? PTYHOST_PROTOCOL;
    const lock = acquireLockFile(
      ptyHostIdentityPathOf(opts.dataDir),
      { protocol, bootId: bootId(), socket: ptyHostSocketPath(opts.dataDir) },
      (owner) => new PtyHostRunningError(owner),
    );
    const server = createServer({ allowHalfOpen: false });
    try {
      await listenPrivately(server, ptyHostSocketPath(opts.dataDir));
    } catch (err) {
      lock.release();
      throw err;
    }
    const host = new PtyHostServer(opts, lock, server);
    host.checkIdle();
    return host;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops listening and releases the identity; sessions are not touched (exit only when idle). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.server.close();
    for (const c of this.connections) c.socket.destroy();
    try {
      unlinkSync(this.socketPath);
    } catch {
      /* already gone */
    }
    this.lock.release();
    this.opts.onExit?.();
  }

  private accept(socket: Socket): void {
    const conn = new Connection(socket, this.protocol, (frame) => this.handle(conn, frame));
    this.connections.add(conn);
    this.checkIdle();
    socket.on('close', () => {
      this.connections.delete(conn);
      for (const s of this.sessions.values()) s.detach(conn);
      this.checkIdle();
    });
  }

  private handle(conn: Connection, frame: HostFrame): void {
    const fail = (id: number | null, session: string | null, code: string, message: string) =>
      conn.send({ type: 'error', id, session, code, message });
    switch (frame.type) {
      case 'hello':
        return fail(null, null, 'protocol', 'hello was already said');
      case 'spawn': {
        if (this.sessions.has(frame.session)) return fail(frame.id, frame.session, 'exists', `session ${frame.session} already exists`);
        let session: PtySession;
        try {
          session = PtySession.spawn(
            frame.session,
            { file: frame.file, args: frame.args, cwd: frame.cwd, env: frame.env, cols: frame.cols, rows: frame.rows, cgroup: frame.cgroup },
            frame.secrets,
            this.logs,
            () => this.checkIdle(),
          );
        } catch (err) {
          const e = err as Error & { code?: string };
          return fail(frame.id, frame.session, e.code === 'spawn_failed' ? 'spawn_failed' : 'error', e.message);
        }
        this.sessions.set(frame.session, session);
        session.attach(conn, 0);
        return conn.send({ type: 'spawned', id: frame.id, session: session.info() });
      }
      case 'attach': {
        const session = this.sessions.get(frame.session);
        if (!session) return fail(frame.id, frame.session, 'not_found', `no session ${frame.session} in this pty host`);
        // The answer goes first: every output frame after it belongs to this attachment.
        conn.send({ type: 'attached', id: frame.id, session: session.info() });
        session.attach(conn, frame.from);
        return;
      }
      case 'list':
        return conn.send({ type: 'sessions', id: frame.id, sessions: [...this.sessions.values()].map((s) => s.info()) });
      case 'signal': {
        const session = this.sessions.get(frame.session);
        if (!session?.signal(frame.signal as NodeJS.Signals, frame.group)) {
          fail(null, frame.session, 'not_signalled', `session ${frame.session} was not signalled: it has ended or is unknown`);
        }
        return;
      }
      case 'resize':
        return this.sessions.get(frame.session)?.resize(frame.cols, frame.rows);
      case 'input':
        return this.sessions.get(frame.session)?.write(frame.data);
      case 'output':
        return this.sessions.get(frame.session)?.watch(conn, frame.from);
      case 'pause':
        return this.sessions.get(frame.session)?.pause();
      case 'resume':
        return this.sessions.get(frame.session)?.resume();
      case 'ack': {
        const session = this.sessions.get(frame.session);
        // Only an ended session is forgotten: a live agent cannot be acknowledged away.
        if (session?.exit) {
          this.sessions.delete(frame.session);
          this.checkIdle();
        }
        return;
      }
      case 'exitWhenIdle':
        this.exitWhenIdle = true;
        return this.checkIdle();
    }
  }

  private checkIdle(): void {
    if (this.stopped) return;
    if (this.exitWhenIdle && this.sessions.size === 0) {
      // Let the last frames reach the host before going.
      setImmediate(() => this.stop());
      return;
    }
    // Ended sessions nobody acknowledged do not keep it alive: with no live agent and no host,
    // their exits go to the data folder for the next host (exits-file.ts) and it exits.
    const live = [...this.sessions.values()].some((s) => !s.exit);
    const idle = !live && this.connections.size === 0;
    if (!idle) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      return;
    }
    this.idleTimer ??= setTimeout(() => this.leaveExits(), this.opts.idleMs ?? 5_000);
  }

  private leaveExits(): void {
    const ended = [...this.sessions.values()].map((s) => s.info());
    if (ended.length > 0) {
      try {
        addExits(this.opts.dataDir, ended);
      } catch (err) {
        // Kept in memory then: the next host that connects collects them the usual way.
        process.stderr.write(`${new Date().toISOString()} ptyhost[${process.pid}] could not write the exits of ${ended.length} ended session(s): ${(err as Error).message}\n`);
        this.idleTimer = setTimeout(() => this.leaveExits(), this.opts.idleMs ?? 5_000);
        return;
      }
    }
    this.stop();
  }
}

/** One connected host: framing, hello first, then validated frames. */
class Connection implements Watcher {
  private readonly decoder = new FrameDecoder();
  private greeted = false;
  private waiters: (() => void)[] = [];
  /** Output not yet written to the socket (see output()). */
  private pending: { session: string; offset: number; length: number; chunks: Buffer[] }[] = [];
  private pendingBytes = 0;
  private flushScheduled: NodeJS.Immediate | null = null;
  closed = false;

  constructor(
    readonly socket: Socket,
    private readonly protocol: number,
    private readonly onFrame: (frame: HostFrame) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.wake());
    socket.on('error', () => {
      /* a host vanished mid-write; 'close' follows */
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  send(frame: PtyHostFrame): void {
    if (this.closed) return;
    // After the output queued before it: an exit never overtakes its session's last bytes.
    this.flushOutput();
    this.socket.write(encodeControl(frame));
  }

  /**
   * Queued, and sent once per event-loop turn: a pty hands out 4 KiB per read, and a socket
   * write per read was most of the pty host's CPU (one syscall each). A session's contiguous
   * chunks go out as one frame.
   */
  output(session: string, offset: number, data: Buffer): boolean {
    if (this.closed) return true;
    const last = this.pending[this.pending.length - 1];
    if (last && last.session === session && last.offset + last.length === offset && last.length + data.length <= MAX_OUTPUT_CHUNK) {
      last.chunks.push(data);
      last.length += data.length;
    } else {
      this.pending.push({ session, offset, length: data.length, chunks: [data] });
    }
    this.pendingBytes += data.length;
    this.flushScheduled ??= setImmediate(() => this.flushOutput());
    return this.socket.writableLength + this.pendingBytes < CONGESTED_BYTES;
  }

  private flushOutput(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    if (this.pending.length === 0) return;
    const frames = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.closed) return;
    this.socket.cork();
    for (const f of frames) {
      this.socket.write(encodeOutputHeader(f.session, f.offset, f.length));
      this.socket.write(f.chunks.length === 1 ? f.chunks[0] : Buffer.concat(f.chunks, f.length));
    }
    this.socket.uncork();
    if (this.socket.writableLength < CONGESTED_BYTES) this.wake();
  }

  progress(session: string, bytes: number, tail: Buffer): void {
    this.send({ type: 'progress', session, bytes, tail: tail.toString('base64') });
  }

  exit(session: string, exit: PtyExitInfo): void {
    this.send({ type: 'exit', session, exit });
  }

  logError(session: string, message: string): void {
    this.send({ type: 'logFailed', session, message });
  }

  drained(): Promise<void> {
    if (this.closed || this.socket.writableLength + this.pendingBytes < CONGESTED_BYTES) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      return this.refuse((err as Error).message);
    }
    for (const f of frames) {
      if (this.closed) return;
      if (f.kind !== 'control') return this.refuse('a host sends control frames only');
      if (!this.greeted) {
        // The frozen first look: whatever version the host speaks, it can read this answer.
        const hello = helloFieldsOf(f.json);
        if (hello.type !== 'hello') return this.refuse('the first frame must be hello');
        if (hello.protocol !== this.protocol) {
          return this.refuse(`this pty host speaks protocol ${this.protocol}, the host speaks ${hello.protocol ?? 'none'}`);
        }
        this.greeted = true;
        this.send({ type: 'welcome', protocol: this.protocol, pid: process.pid, startId: readStartIdentity(process.pid), bootId: bootId() });
        continue;
      }
      let frame: HostFrame;
      try {
        frame = parseHostFrame(f.json);
      } catch (err) {
        // A bad frame is answered, not fatal: the connection and every agent carry on.
        const id = typeof (f.json as { id?: unknown })?.id === 'number' ? (f.json as { id: number }).id : null;
        this.send({ type: 'error', id, session: null, code: 'bad_frame', message: (err as Error).message });
        continue;
      }
      this.onFrame(frame);
    }
  }

  private refuse(reason: string): void {
    if (this.closed) return;
    this.socket.end(encodeControl({ type: 'refused', protocol: this.protocol, reason }));
    this.closed = true;
  }
}


/**
 * Holding the identity lock makes any socket file left at the path stale (its pty host died), so
 * it is replaced. Created under a 0177 umask: never reachable by others, not even for an instant.
 */
function listenPrivately(server: Server, socketPath: string): Promise<void> {
  preparePrivateSocketFolder(socketPath, 'the pty host socket');
  try {
    if (!lstatSync(socketPath).isSocket()) throw new Error(`refusing to replace ${socketPath}: it exists and is not a socket`);
    unlinkSync(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return new Promise((resolve, reject) => {
    const previous = process.umask(0o177);
    server.once('error', reject);
    try {
      server.listen(socketPath, () => {
        server.off('error', reject);
        chmodSync(socketPath, 0o600);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
}
