// The host's one event stream. Services emit; transports subscribe and forward.
import type { EventName, EventPayload, HostEvent } from '../shared/events';

export type EventListener = (event: HostEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<N extends EventName>(event: N, data: EventPayload<N>): void {
    const message = { event, data } as HostEvent;
    for (const listener of this.listeners) {
      try {
        listener(message);
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
