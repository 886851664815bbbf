// A line in a run's events from outside its output (a request asked or answered, who typed).
// A run this host holds numbers its events itself, so the note goes through the engine; only
// a run nobody here holds (ended, or another machine's) is written to directly.
import type { AdapterEvent } from '../adapters/types';
import type { HeartbeatEngine } from '../heartbeat/engine';
import { appendRunEvents } from '../heartbeat/queue';
import type { ServiceContext } from '../context';

export type RunNotes = (runId: string, event: AdapterEvent) => Promise<void>;

export function runNotes(ctx: ServiceContext, engine: Pick<HeartbeatEngine, 'noteRunEvents'>): RunNotes {
  return async (runId, event) => {
    if (engine.noteRunEvents(runId, [event])) return;
    await appendRunEvents(ctx.db, [{ runId, type: event.type, message: event.message, payload: event.payload }]).catch(() => undefined);
  };
}
