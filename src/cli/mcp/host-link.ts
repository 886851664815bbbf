// `vigil mcp`'s way to the host: the control socket, reconnected with backoff when the host goes
// away (a crash, a restart), so an agent waiting on a request keeps waiting for the next host.
// A call is repeated after a lost connection only when repeating it is harmless (reads, waits,
// and the request opened under a key the host deduplicates); anything else fails at once.
import { connect, NotRunningError, type Client } from '../client';
import type { CallInput, CallName, CallOutput } from '../../shared/contract';
import { ContractError } from '../../shared/errors';

const REPEATABLE: ReadonlySet<CallName> = new Set<CallName>(['requests.open', 'requests.wait', 'requests.get', 'issues.get', 'issues.list', 'host.status']);

export interface HostLinkOptions {
  runToken?: string;
  /** Give up once no host answered for this long (default 1 hour). */
  giveUpAfterMs?: number;
  /** First pause between attempts; doubled up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Told each time the host could not be reached (for stderr, never stdout: stdout is the protocol). */
  onRetry?: (message: string) => void;
}

export interface HostLink {
  call<N extends CallName>(method: N, params: CallInput<N>): Promise<CallOutput<N>>;
  close(): void;
}

const lostConnection = (err: unknown) =>
  err instanceof NotRunningError || (err instanceof ContractError && err.code === 'not_running') || (err as NodeJS.ErrnoException)?.code === 'EPIPE';

export function hostLink(socketPath: string, opts: HostLinkOptions = {}): HostLink {
  let client: Promise<Client> | null = null;
  let closed = false;
  const giveUpAfterMs = opts.giveUpAfterMs ?? 60 * 60_000;

  const current = (): Promise<Client> => {
    if (!client) {
      const attempt = connect(socketPath, { runToken: opts.runToken });
      client = attempt;
      // Cache the connection, not the attempt: a failed or closed one is made again next time.
      attempt.then(
        (c) => void c.closed.then(() => client === attempt && (client = null)),
        () => client === attempt && (client = null),
      );
    }
    return client;
  };

  return {
    async call(method, params) {
      let pause = opts.backoffMs ?? 250;
      let unreachableSince: number | null = null;
      for (;;) {
        let sent = false;
        try {
          const c = await current();
          sent = true;
          return await c.call(method, params);
        } catch (err) {
          if (!lostConnection(err) || closed) throw err;
          if (sent && !REPEATABLE.has(method)) throw err;
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince > giveUpAfterMs) {
            throw new ContractError('not_running', `no Vigil host answered on ${socketPath} for ${Math.round(giveUpAfterMs / 60_000)} min`);
          }
          opts.onRetry?.(`Vigil is not reachable (${(err as Error).message}); trying again in ${pause} ms`);
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(pause * 2, opts.maxBackoffMs ?? 5000);
        }
      }
    },
    close() {
      closed = true;
      void client?.then((c) => c.close(), () => undefined);
    },
  };
}
