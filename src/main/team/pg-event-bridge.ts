// Team mode's live view: every contract event this host emits is sent to the other hosts on
// the same PostgreSQL server by NOTIFY, and theirs arrive here and go out to this host's
// subscribers (windows, `vigil` clients) as if they were local. A NOTIFY payload is limited to
// 8000 bytes: a larger event (a long issue body, a big output batch) is stored in bus_events
// and the NOTIFY carries its id. Host notices and machine events stay local: each host speaks
// for itself and judges leases on its own.
import { randomUUID } from 'node:crypto';
import { inArray, lt, sql } from 'drizzle-orm';
import { EVENT_NAMES, type EventName, type HostEvent } from '../../shared/events';
import type { Db } from '../db/client';
import { busEvents } from '../db/schema';
import type { EventBus } from '../event-bus';

export const EVENTS_CHANNEL = 'vigil_events';
/** Room under PostgreSQL's 8000-byte NOTIFY limit for the envelope. */
const MAX_INLINE_BYTES = 7800;
/** Stored large events are read within milliseconds; keep them long enough for a slow peer. */
const KEEP_STORED_MS = 10 * 60_000;
const LOCAL_ONLY: ReadonlySet<EventName> = new Set<EventName>(['host.notice', 'machine.updated']);
const KNOWN: ReadonlySet<string> = new Set(EVENT_NAMES);

interface Envelope {
  /** The sending host instance: a host ignores its own notifications. */
  o: string;
  /** The event itself, or `r`: the id of its bus_events row. */
  e?: HostEvent;
  r?: string;
}

export class PgEventBridge {
  private pending: HostEvent[] = [];
  private flushing: Promise<void> | null = null;
  private receiving: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private closed = false;
  /** This bridge's own id on the channel (two hosts in one process still tell theirs apart). */
  private readonly instance = randomUUID();

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly onError: (message: string) => void,
  ) {}

  /** Starts forwarding this host's own events. */
  start(): void {
    this.unsubscribe = this.events.subscribe((event, origin) => {
      if (origin !== 'local' || LOCAL_ONLY.has(event.event) || this.closed) return;
      this.pending.push(event);
      this.flushing ??= this.flush();
    });
  }

  /** Sends everything queued, in order: one INSERT for the large ones, one statement of NOTIFYs. */
  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, 500);
        const stored: { id: string; payload: string }[] = [];
        const payloads = batch.map((e) => {
          const inline = JSON.stringify({ o: this.instance, e } satisfies Envelope);
          if (Buffer.byteLength(inline) <= MAX_INLINE_BYTES) return inline;
          const id = randomUUID();
          stored.push({ id, payload: JSON.stringify(e) });
          return JSON.stringify({ o: this.instance, r: id } satisfies Envelope);
        });
        try {
          if (stored.length > 0) await this.db.insert(busEvents).values(stored);
          await this.db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, p) from jsonb_array_elements_text(${JSON.stringify(payloads)}::jsonb) as p`);
        } catch (err) {
          // Live views on other machines miss these; their data is in the tables all the same.
          this.onError(`team events: could not send ${batch.length} event(s) to other machines: ${(err as Error).message}`);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** A notification from the channel: decoded in arrival order (a stored event is fetched first). */
  receive(payload: string): void {
    this.receiving = this.receiving.then(() => this.deliver(payload)).catch((err: Error) => this.onError(`team events: ${err.message}`));
  }

  private async deliver(payload: string): Promise<void> {
    if (this.closed) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      return; // not an envelope of ours (a hand-made NOTIFY): nothing to deliver
    }
    if (envelope.o === this.instance) return;
    let event = envelope.e;
    if (!event && envelope.r) {
      const [row] = await this.db.select().from(busEvents).where(inArray(busEvents.id, [envelope.r]));
      if (!row) return;
      event = JSON.parse(row.payload) as HostEvent;
    }
    if (!event || !KNOWN.has(event.event) || LOCAL_ONLY.has(event.event)) return;
    this.events.emitFromPeer(event);
  }

  /** Drops stored large events nobody needs any more (any host may do it). */
  async prune(): Promise<void> {
    await this.db.delete(busEvents).where(lt(busEvents.createdAt, new Date(Date.now() - KEEP_STORED_MS)));
  }

  /** Resolves once everything emitted so far has been sent. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    this.unsubscribe?.();
  }
}
