// The CLI's connection to a running host over its control socket. An agent calling the CLI
// from inside a run carries VIGIL_RUN_TOKEN, which makes every call "that run's agent".
import type { Socket } from 'node:net';
import type { CallInput, CallName, CallOutput } from '../shared/contract';
import { ContractError } from '../shared/errors';
import type { HostEvent } from '../shared/events';
import type { WireEvent, WireRequest, WireResponse } from '../shared/wire';
import { SUBSCRIBE, UNSUBSCRIBE } from '../shared/wire-names';

/** No host answers on the socket (none running, or a stale socket file). */
export class NotRunningError extends Error {
  constructor(readonly socketPath: string) {
    super(`no Vigil host answers on ${socketPath}`);
    this.name = 'NotRunningError';
  }
}

export interface Client {
  call<N extends CallName>(method: N, params: CallInput<N>): Promise<CallOutput<N>>;
  /** Starts forwarding every host event to `listener`; resolves once the host confirmed. */
  subscribe(listener: (event: HostEvent) => void): Promise<() => Promise<void>>;
  /** Settles with the reason when the connection ends, by either side. */
  readonly closed: Promise<string>;
  close(): void;
}

export interface ConnectOptions {
  /** Defaults to VIGIL_RUN_TOKEN from the environment. */
  runToken?: string;
}

export async function connect(socketPath: string, opts: ConnectOptions = {}): Promise<Client> {
  const socket = await open(socketPath);
  const runToken = opts.runToken ?? (process.env.VIGIL_RUN_TOKEN || undefined);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(event: HostEvent) => void>();
  let nextId = 1;
  let closedByUs = false;
  let settleClosed!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => (settleClosed = resolve));
  let lastError: string | null = null;

  const onMessage = (message: WireResponse | WireEvent) => {
    if ('type' in message && message.type === 'event') {
      const { type: _type, ...event } = message;
      for (const listener of listeners) listener(event as HostEvent);
      return;
    }
    const response = message as WireResponse;
    const waiter = typeof response.id === 'number' ? pending.get(response.id) : undefined;
    if (!waiter) {
      // An answer to no request is the host explaining why it drops us.
      if (!response.ok) lastError = response.error.message;
      return;
    }
    pending.delete(response.id as number);
    if (response.ok) waiter.resolve(response.result);
    else waiter.reject(ContractError.from(response.error));
  };

  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    buffered += text;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() === '') continue;
      try {
        onMessage(JSON.parse(line) as WireResponse | WireEvent);
      } catch {
        lastError = 'the host sent a malformed message';
      }
    }
  });
  socket.on('error', (err) => {
    lastError ??= err.message;
  });
  socket.on('close', () => {
    const reason = lastError ?? 'the host closed the connection';
    for (const waiter of pending.values()) waiter.reject(new ContractError('not_running', `lost the connection to Vigil: ${reason}`));
    pending.clear();
    settleClosed(closedByUs ? 'closed' : reason);
  });

  const request = (method: string, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (socket.destroyed) {
        reject(new ContractError('not_running', 'lost the connection to Vigil'));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const message: WireRequest = runToken === undefined ? { id, method, params } : { id, method, params, runToken };
      socket.write(`${JSON.stringify(message)}\n`);
    });

  return {
    call<N extends CallName>(method: N, params: CallInput<N>) {
      return request(method, params) as Promise<CallOutput<N>>;
    },
    async subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) await request(SUBSCRIBE, undefined);
      return async () => {
        listeners.delete(listener);
        if (listeners.size === 0 && !socket.destroyed) await request(UNSUBSCRIBE, undefined);
      };
    },
    closed,
    close() {
      closedByUs = true;
      socket.end();
    },
  };
}

function open(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = process.getBuiltinModule('node:net').createConnection(socketPath);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      reject(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR'].includes(code) ? new NotRunningError(socketPath) : err);
    };
    socket.once('error', onError);
  });
}
