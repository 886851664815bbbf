// The host's one event stream. Services emit; transports subscribe and forward. In team mode
// (src/main/team/pg-event-bridge.ts) events of other machines' hosts arrive here too: each
// listener is told where an event came from, so the bridge forwards only this host's own.
import type { EventName, EventPayload, HostEvent } from '../shared/events';

/** 'local': emitted by this host; 'peer': another host's, received over the database. */
export type EventOrigin = 'local' | 'peer';
export type EventListener = (event: HostEvent, origin: EventOrigin) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<N extends EventName>(event: N, data: EventPayload<N>): void {
    this.deliver({ event, data } as HostEvent, 'local');
  }

  /** An event another host emitted: every listener gets it, marked as a peer's. */
  emitFromPeer(message: HostEvent): void {
    this.deliver(message, 'peer');
  }

  private deliver(message: HostEvent, origin: EventOrigin): void {
    for (const listener of this.listeners) {
      try {
        listener(message, origin);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the emitter.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
