// The browser's way to the host when there is no preload: a WebSocket to `vigil serve`.
// The printed address carries the token in its fragment (#token=, never sent to any server);
// the page moves it into sessionStorage (this tab only), takes it out of the address bar, and
// offers it as a WebSocket subprotocol. No cookie: a browser would send one to every port.
import type { VigilBridge } from '../../shared/bridge';
import type { CallInput, CallName, CallOutput } from '../../shared/contract';
import { ContractError } from '../../shared/errors';
import type { HostEvent } from '../../shared/events';
import { SUBSCRIBE, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX, type WireRequest, type WireResponse } from '../../shared/wire';

/** unauthorized: the server refuses this tab's token (serve restarted with a new one). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

/** A bridge that can lose its host: the banner and the refetch-after-reconnect listen here. */
export interface ConnectionSource {
  readonly connection: ConnectionState;
  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
}

export function isConnectionSource(bridge: unknown): bridge is ConnectionSource {
  return !!bridge && typeof (bridge as ConnectionSource).onConnection === 'function';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WsBridgeOptions {
  url: string;
  /** WebSocket subprotocols to offer (the token rides in one of them). */
  protocols?: string[];
  createSocket?: (url: string, protocols: string[]) => SocketLike;
  /** First retry delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Asked when the socket closes before it ever opened: false means the server refuses the
   * token (a browser hides a WebSocket's 401), so retrying is pointless and the page says why.
   */
  tokenAccepted?: () => Promise<boolean>;
}

const OPEN = 1;

export class WsBridge implements VigilBridge, ConnectionSource {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests made while disconnected; sent once the socket opens. */
  private queue: WireRequest[] = [];
  private readonly eventListeners = new Set<(event: HostEvent) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();
  private state: ConnectionState = 'connecting';
  private everOpened = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private url: string;
  private readonly protocols: string[];
  private readonly createSocket: (url: string, protocols: string[]) => SocketLike;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly tokenAccepted: (() => Promise<boolean>) | null;

  constructor(options: WsBridgeOptions) {
    this.url = options.url;
    this.protocols = options.protocols ?? [];
    this.createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike);
    this.minDelayMs = options.minDelayMs ?? 300;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.tokenAccepted = options.tokenAccepted ?? null;
    this.connect();
  }

  get connection(): ConnectionState {
    return this.state;
  }

  invoke<N extends CallName>(method: N, params: CallInput<N>): Promise<CallOutput<N>> {
    const id = this.nextId++;
    const request: WireRequest = { id, method, params };
    return new Promise<CallOutput<N>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(request));
      else this.queue.push(request);
    });
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onConnection(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
  }

  private connect(): void {
    const socket = this.createSocket(this.url, this.protocols);
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      // Subscribing is answered by the transport; its reply has no pending entry to settle.
      socket.send(JSON.stringify({ id: `sub-${Date.now()}`, method: SUBSCRIBE }));
      const queued = this.queue;
      this.queue = [];
      for (const request of queued) socket.send(JSON.stringify(request));
      this.setState('open', reconnected);
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => undefined; // onclose follows and handles it
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // A call in flight may or may not have run: fail it rather than send it twice.
      for (const [id, p] of this.pending) {
        if (this.queue.some((r) => r.id === id)) continue;
        p.reject(new ContractError('not_running', 'Lost the connection to Vigil; try again once it is back.'));
        this.pending.delete(id);
      }
      if (this.closed) return;
      this.setState(this.everOpened ? 'reconnecting' : 'connecting', false);
      if (!this.everOpened && this.tokenAccepted) {
        void this.tokenAccepted().then(
          (accepted) => (accepted ? this.retry() : this.setState('unauthorized', false)),
          () => this.retry(),
        );
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    if (this.closed) return;
    const delay = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() * 0.5));
  }

  private receive(raw: unknown): void {
    let message: unknown;
    try {
      message = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (!message || typeof message !== 'object') return;
    if ((message as { type?: string }).type === 'event') {
      const { event, data } = message as HostEvent & { type: 'event' };
      const hostEvent = { event, data } as HostEvent;
      for (const listener of this.eventListeners) listener(hostEvent);
      return;
    }
    const response = message as WireResponse;
    if (typeof response.id !== 'number') return;
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(ContractError.from(response.error));
  }

  private setState(state: ConnectionState, reconnected: boolean): void {
    this.state = state;
    for (const listener of this.connectionListeners) listener(state, reconnected);
  }
}

const TOKEN_KEY = 'vigil.token';

/**
 * Where and how this page connects. A `#token=` fragment (or an old `?token=`) in the page URL
 * is moved into sessionStorage and removed from the address bar, so it does not linger in
 * history, screenshots or a shared link; the hash route that follows it is kept.
 */
export function connectionForPage(
  location: Pick<Location, 'protocol' | 'host' | 'pathname' | 'search' | 'hash'>,
  history: Pick<History, 'state' | 'replaceState'>,
  storage: Pick<Storage, 'getItem' | 'setItem'>,
): { url: string; protocols: string[]; hasToken: boolean } {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams(location.search);
  const fragment = /^#token=([^&]*)&?(.*)$/.exec(location.hash);
  const given = fragment ? decodeURIComponent(fragment[1]) : query.get('token');
  if (given !== null) {
    if (given) storage.setItem(TOKEN_KEY, given);
    query.delete('token');
    const search = query.toString();
    const hash = fragment ? (fragment[2] ? `#${fragment[2].replace(/^#/, '')}` : '') : location.hash;
    history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${hash}`);
  }
  const token = storage.getItem(TOKEN_KEY);
  return {
    url: `${scheme}//${location.host}/ws`,
    protocols: token ? [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`] : [WS_PROTOCOL],
    hasToken: !!token,
  };
}

/** Whether the server takes this token: a plain HTTP call, whose 401 a page can see. */
export async function tokenAcceptedBy(origin: string, protocols: string[]): Promise<boolean> {
  const token = protocols.find((p) => p.startsWith(WS_TOKEN_PROTOCOL_PREFIX))?.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  if (!token) return false;
  const res = await fetch(`${origin}/api/call`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ method: 'host.status', params: {} }),
  });
  return res.status !== 401;
}
