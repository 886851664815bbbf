// The host's side of the pty host protocol: one connection, requests matched to answers, output
// and exits dispatched to session handles. connectOrStartPtyHost (launch.ts) makes one.
import { createConnection, type Socket } from 'node:net';
import {
  encodeControl,
  FrameDecoder,
  helloFieldsOf,
  parsePtyHostFrame,
  PTYHOST_PROTOCOL,
  type HostFrame,
  type PtyExitInfo,
  type PtyHostFrame,
  type PtySessionInfo,
  type SpawnRequest,
} from '../../shared/ptyhost-protocol';
import { SessionOfInfo, terminateSession, type RunSession } from '../../node/process/run-session';

/** The pty host answers in another protocol version: it is never spoken to in ours. */
export class PtyHostVersionError extends Error {
  constructor(
    readonly theirs: number | null,
    readonly ours: number,
    readonly pid: number | null,
    detail = '',
  ) {
    super(
      `The pty host${pid ? ` (pid ${pid})` : ''} of this data folder speaks protocol version ${theirs ?? 'unknown'}; this Vigil speaks ${ours}. ` +
        `Its agents keep running and their logs keep being written, but this Vigil cannot take them over` +
        `${detail ? ` (${detail})` : ''}; they are watched as detached runs until they end.`,
    );
    this.name = 'PtyHostVersionError';
  }
}

/** A request the pty host refused (spawn_failed, not_found...). */
export class PtyHostRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PtyHostRequestError';
  }
}

/** The pty host did not answer a request in time (stopped, or too busy to be of use). */
export class PtyHostTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`the pty host did not answer ${what} within ${ms} ms`);
    this.name = 'PtyHostTimeoutError';
  }
}

export type SpawnInput = Omit<SpawnRequest, 'type' | 'id'>;

type Pending = { resolve: (frame: PtyHostFrame) => void; reject: (err: Error) => void };

export interface PtyHostConnectOptions {
  /** Speak as this protocol version (tests of a mismatch). */
  protocol?: number;
  /** Every request (hello included) is answered within this, or fails (default 10 s). */
  requestDeadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 10_000;

export class PtyHostClient {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private readonly handles = new Map<string, PtyHostSession>();
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private nextId = 1;
  private closedReason: string | null = null;
  /** When the pty host last sent anything (output counts): a busy pty host is not a hung one. */
  lastHeardAt = Date.now();
  /** Who answered hello. */
  ptyHostPid = 0;
  ptyHostStartId: string | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
    private readonly deadlineMs: number,
  ) {}

  /** Connects and says hello; rejects with PtyHostVersionError on a version mismatch. */
  static connect(socketPath: string, opts: PtyHostConnectOptions = {}): Promise<PtyHostClient> {
    const protocol = opts.protocol ?? PTYHOST_PROTOCOL;
    return new Promise((resolve, reject) => {
      const socket = createConnection(socketPath);
      const deadlineMs = opts.requestDeadlineMs ?? DEFAULT_DEADLINE_MS;
      const client = new PtyHostClient(socket, socketPath, deadlineMs);
      let greeted = false;
      // A stopped pty host still accepts connections (the kernel queues them): hello has a deadline too.
      const helloTimer = setTimeout(() => {
        if (greeted) return;
        socket.destroy();
        reject(new PtyHostTimeoutError('hello', deadlineMs));
      }, deadlineMs);
      helloTimer.unref();
      socket.once('connect', () => socket.write(encodeControl({ type: 'hello', protocol, pid: process.pid })));
      socket.on('error', (err) => {
        if (!greeted) reject(err);
      });
      socket.on('close', () => {
        if (!greeted) reject(new Error(`the pty host at ${socketPath} closed the connection before answering hello`));
        client.lost('the pty host closed the connection');
      });
      socket.on('data', (chunk: Buffer) => {
        client.lastHeardAt = Date.now();
        let frames;
        try {
          frames = client.decoder.push(chunk);
        } catch (err) {
          socket.destroy();
          if (!greeted) reject(err as Error);
          return;
        }
        for (const f of frames) {
          if (!greeted) {
            // The frozen first look at the answer: readable whatever version sent it.
            const first = f.kind === 'control' ? helloFieldsOf(f.json) : { type: '', protocol: null };
            if (f.kind === 'control' && first.type === 'welcome' && first.protocol === protocol) {
              const welcome = f.json as { pid: number; startId: string | null };
              client.ptyHostPid = welcome.pid;
              client.ptyHostStartId = welcome.startId;
              greeted = true;
              clearTimeout(helloTimer);
              resolve(client);
              continue;
            }
            socket.destroy();
            const reason = f.kind === 'control' && first.type === 'refused' ? String((f.json as { reason?: unknown }).reason ?? '') : 'it did not answer hello';
            reject(new PtyHostVersionError(first.protocol, protocol, null, reason));
            return;
          }
          client.receive(f);
        }
      });
    });
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** Starts an agent in the pty host; its output streams from offset 0. */
  async spawn(input: SpawnInput): Promise<PtyHostSession> {
    const handle = new PtyHostSession(this, input.session);
    this.handles.set(input.session, handle);
    try {
      const answer = await this.request<{ session: PtySessionInfo }>({ ...input, type: 'spawn', id: 0 });
      handle.setInfo(answer.session);
      return handle;
    } catch (err) {
      if (this.handles.get(input.session) === handle) this.handles.delete(input.session);
      throw err;
    }
  }

  /**
   * Takes a session back (after a host restart): output streams from `from` (the catch-up read
   * from its log, then live); an ended session delivers its exit after the catch-up.
   */
  async attach(session: string, from: number): Promise<PtyHostSession> {
    const handle = new PtyHostSession(this, session);
    this.handles.set(session, handle);
    try {
      const answer = await this.request<{ session: PtySessionInfo }>({ type: 'attach', id: 0, session, from });
      handle.setInfo(answer.session);
      return handle;
    } catch (err) {
      if (this.handles.get(session) === handle) this.handles.delete(session);
      throw err;
    }
  }

  /** `deadlineMs`: a shorter deadline than the connection's (the watchdog's ping). */
  async list(deadlineMs?: number): Promise<PtySessionInfo[]> {
    return (await this.request<{ sessions: PtySessionInfo[] }>({ type: 'list', id: 0 }, deadlineMs)).sessions;
  }

  /**
   * The pty host is given up (it stopped answering): the connection is dropped and every
   * session it carried is reported lost, so their runs go to recovery.
   */
  abandon(reason: string): void {
    if (this.closed) return;
    this.lost(reason);
    this.socket.destroy();
  }

  /** Asks the pty host to exit once no session is left (a clean quit). */
  exitWhenIdle(): void {
    this.send({ type: 'exitWhenIdle' });
  }

  /** The connection was lost (the pty host died, or close() was called). */
  onClose(cb: (reason: string) => void): void {
    this.closeListeners.push(cb);
  }

  /** Disconnects; the pty host and its agents carry on. */
  close(): void {
    if (this.closed) return;
    // Leaving on purpose: the sessions are not lost, so their handles are not told they are.
    this.handles.clear();
    this.lost('the host disconnected');
    this.socket.end();
  }

  /** @internal */
  send(frame: HostFrame): void {
    if (this.closed) return;
    this.socket.write(encodeControl(frame));
  }

  /** Every request has a deadline: a stopped pty host must not freeze whoever asked. */
  private request<T>(frame: Extract<HostFrame, { id: number }>, deadlineMs = this.deadlineMs): Promise<T> {
    if (this.closedReason) return Promise.reject(new Error(`the pty host is not connected: ${this.closedReason}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(id, new PtyHostTimeoutError(frame.type, deadlineMs)), deadlineMs);
      timer.unref();
      const done = () => clearTimeout(timer);
      this.pending.set(id, {
        resolve: (f) => {
          done();
          resolve(f as T);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
      this.send({ ...frame, id });
    });
  }

  private receive(f: ReturnType<FrameDecoder['push']>[number]): void {
    if (f.kind === 'output') {
      const data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
      this.handles.get(f.session)?.data(f.offset, data);
      return;
    }
    let frame: PtyHostFrame;
    try {
      frame = parsePtyHostFrame(f.json);
    } catch {
      return; // a frame of a newer minor shape: ignored rather than fatal
    }
    switch (frame.type) {
      case 'spawned':
      case 'attached':
      case 'sessions':
        return this.settle(frame.id, frame);
      case 'error':
        if (frame.id !== null) return this.fail(frame.id, new PtyHostRequestError(frame.code, frame.message));
        return;
      case 'exit': {
        const handle = this.handles.get(frame.session);
        handle?.exited(frame.exit);
        return;
      }
      case 'progress':
        return this.handles.get(frame.session)?.progressed(frame.bytes, Buffer.from(frame.tail, 'base64'));
      case 'logFailed':
        return this.handles.get(frame.session)?.logFailed(frame.message);
      default:
        return;
    }
  }

  private settle(id: number, frame: PtyHostFrame): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.resolve(frame);
  }

  private fail(id: number, err: Error): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    p?.reject(err);
  }

  /** @internal */
  forget(session: string, handle: PtyHostSession): void {
    if (this.handles.get(session) === handle) this.handles.delete(session);
  }

  private lost(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of this.pending.values()) p.reject(new Error(`the pty host connection was lost: ${reason}`));
    this.pending.clear();
    for (const h of this.handles.values()) h.lostConnection(reason);
    this.handles.clear();
    for (const cb of this.closeListeners) cb(reason);
  }
}

/** One agent in the pty host, seen from the host: a RunSession, and what only the pty host offers. */
export class PtyHostSession extends SessionOfInfo implements RunSession {
  private infoValue: PtySessionInfo | null = null;
  private acknowledged: (() => void) | null = null;

  constructor(
    private readonly client: PtyHostClient,
    readonly session: string,
  ) {
    super();
  }

  setInfo(info: PtySessionInfo): void {
    this.infoValue = info;
  }

  /** What the pty host said at spawn or attach (bytes: the log size then; exit if it had ended). */
  get info(): PtySessionInfo {
    return this.infoValue!;
  }
  get logPath() {
    return this.info.logPath;
  }

  /** Once, when the host acknowledges the session's end (the spawner counts the sessions it holds). */
  whenAcknowledged(cb: () => void): void {
    this.acknowledged = cb;
  }

  pause(): void {
    this.client.send({ type: 'pause', session: this.session });
  }
  resume(): void {
    this.client.send({ type: 'resume', session: this.session });
  }
  signal(signal: NodeJS.Signals, group = true): void {
    this.client.send({ type: 'signal', session: this.session, signal, group });
  }
  resize(cols: number, rows: number): void {
    this.client.send({ type: 'resize', session: this.session, cols, rows });
  }
  write(data: string): void {
    if (data !== '') this.client.send({ type: 'input', session: this.session, data });
  }
  streamOutput(from: number | null): void {
    this.client.send({ type: 'output', session: this.session, from });
  }
  terminate(graceMs: number): Promise<void> {
    return terminateSession(this.session, this, graceMs);
  }
  acknowledge(): void {
    this.client.send({ type: 'ack', session: this.session });
    this.client.forget(this.session, this);
    const cb = this.acknowledged;
    this.acknowledged = null;
    cb?.();
  }

  data(offset: number, data: Buffer): void {
    this.events.push({ output: { offset, data } });
  }
  progressed(bytes: number, tail: Buffer): void {
    this.events.push({ progress: { bytes, tail } });
  }
  exited(exit: PtyExitInfo): void {
    this.events.push({ exit });
  }
  logFailed(message: string): void {
    this.events.push({ logError: message });
  }
  lostConnection(reason: string): void {
    this.events.push({ lost: reason });
  }
}
