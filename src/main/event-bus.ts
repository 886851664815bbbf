// The host's one event stream. Services emit; transports subscribe and forward. A subscriber
// may name the events it wants, so an emitter can ask whether anyone listens before paying for
// a payload (live output is base64-encoded only when someone listens for run.output).
import type { EventName, EventPayload, HostEvent } from '../shared/events';

export type EventListener = (event: HostEvent) => void;

export interface SubscribeOptions {
  /** Only these events reach the listener; without it, every event does. */
  events?: readonly EventName[];
}

export class EventBus {
  private readonly listeners = new Map<EventListener, ReadonlySet<EventName> | null>();

  emit<N extends EventName>(event: N, data: EventPayload<N>): void {
    const message = { event, data } as HostEvent;
    for (const [listener, wanted] of this.listeners) {
      if (wanted && !wanted.has(event)) continue;
      try {
        listener(message);
      } catch {
        // A broken subscriber (a closed socket) must not stop the others or the emitter.
      }
    }
  }

  subscribe(listener: EventListener, opts: SubscribeOptions = {}): () => void {
    // A listener subscribed twice is one subscriber; its later filter wins.
    this.listeners.set(listener, opts.events ? new Set(opts.events) : null);
    return () => this.listeners.delete(listener);
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
