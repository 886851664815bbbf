// The host's one event stream. Services emit; transports subscribe and forward. A subscriber
// may name the events it wants, so an emitter can ask whether anyone listens before paying for
// a payload (live output is base64-encoded only when someone listens for run.output). In team
// mode (src/main/team/pg-event-bridge.ts) events of other machines' hosts arrive here too: each
// listener is told where an event came from, so the bridge forwards only this host's own.
import type { EventName, EventPayload, HostEvent } from '../shared/events';

/** 'local': emitted by this host; 'peer': another host's, received over the database. */
export type EventOrigin = 'local' | 'peer';
export type EventListener = (event: HostEvent, origin: EventOrigin) => void;

export interface SubscribeOptions {
  /** Only these events reach the listener; without it, every event does. */
  events?: readonly EventName[];
}

export class EventBus {
  private readonly listeners = new Map<EventListener, ReadonlySet<EventName> | null>();
  private readonly watchers = new Set<() => void>();

  emit<N extends EventName>(event: N, data: EventPayload<N>): void {
    this.deliver({ event, data } as HostEvent, 'local');
  }

  /** An event another host emitted: every listener gets it, marked as a peer's. */
  emitFromPeer(message: HostEvent): void {
    this.deliver(message, 'peer');
  }

  private deliver(message: HostEvent, origin: EventOrigin): void {
    for (const [listener, wanted] of this.listeners) {
      if (wanted && !wanted.has(message.event)) continue;
      try {
        listener(message, origin);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the emitter.
      }
    }
  }

  subscribe(listener: EventListener, opts: SubscribeOptions = {}): () => void {
    // A listener subscribed twice is one subscriber; its later filter wins.
    this.listeners.set(listener, opts.events ? new Set(opts.events) : null);
    this.changed();
    return () => {
      if (this.listeners.delete(listener)) this.changed();
    };
  }

  /**
   * `cb` runs whenever a listener came or went (so what listens() answers may have changed):
   * how a run starts sending its bytes the moment someone watches. Returns the unwatch.
   */
  onListenersChanged(cb: () => void): () => void {
    this.watchers.add(cb);
    return () => this.watchers.delete(cb);
  }

  private changed(): void {
    for (const cb of this.watchers) cb();
  }

  /** Whether an emit of `event` now would reach any listener. */
  listens(event: EventName): boolean {
    for (const wanted of this.listeners.values()) if (!wanted || wanted.has(event)) return true;
    return false;
  }

  get size(): number {
    return this.listeners.size;
  }
}
