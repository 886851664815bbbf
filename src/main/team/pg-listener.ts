// One dedicated PostgreSQL connection that LISTENs on team mode's channels, reconnecting with
// backoff when the server or the network goes away. A pooled connection cannot LISTEN: the
// pool hands it to other queries and drops it when idle. Notifications sent while the
// connection was down are lost, so `onReconnect` tells the host to catch up from the tables.
import type pg from 'pg';

export type NotificationHandler = (payload: string) => void;

export interface PgListenerOptions {
  url: string;
  channels: Record<string, NotificationHandler>;
  /** After a reconnect (never after the first connect): re-read what may have been missed. */
  onReconnect?: () => void;
  onError?: (message: string) => void;
}

const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

export class PgListener {
  private client: pg.Client | null = null;
  private closed = false;
  private attempts = 0;
  private connectedOnce = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly opts: PgListenerOptions) {}

  /** Resolves once LISTEN is in place (the first time; later reconnects happen in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    // Loaded on use: only team mode listens (a PGlite host never loads the driver).
    const { default: pgLib } = await import('pg');
    const client = new pgLib.Client({ connectionString: this.opts.url, keepAlive: true });
    // Errors also end the connection: 'end' below schedules the reconnect.
    client.on('error', (err) => this.opts.onError?.(`team listener: ${err.message}`));
    client.on('notification', (msg) => {
      const handler = this.opts.channels[msg.channel];
      if (handler && msg.payload !== undefined) handler(msg.payload);
    });
    client.on('end', () => {
      if (this.client === client) this.client = null;
      this.scheduleReconnect();
    });
    await client.connect();
    for (const channel of Object.keys(this.opts.channels)) await client.query(`LISTEN ${pgLib.escapeIdentifier(channel)}`);
    if (this.closed) {
      await client.end().catch(() => undefined); // closed while connecting: this connection is only being let go
      return;
    }
    this.client = client;
    this.attempts = 0;
    if (this.connectedOnce) this.opts.onReconnect?.();
    this.connectedOnce = true;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const delay = BACKOFF_MS[Math.min(this.attempts++, BACKOFF_MS.length - 1)];
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.closed) return;
      this.connect().catch((err: Error) => {
        this.opts.onError?.(`team listener: reconnecting failed: ${err.message}`);
        this.scheduleReconnect();
      });
    }, delay);
    this.retry.unref();
  }

  get connected(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined); // a connection already broken needs no goodbye
  }
}
