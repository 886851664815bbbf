// Failures some CLIs print as plain text even in their JSON modes (a missing login, a session they
// do not know): recognised by their own words, each becomes an `error` event and the run's summary.
import { EVENT_TEXT_CHARS, clipChars, oneLine } from './text';
import type { AdapterEvent } from './types';

export interface PlainFailurePatterns {
  /** The CLI says it has no credentials. */
  login?: RegExp;
  /** The CLI says it does not know the session it was asked to resume. */
  unknownSession?: RegExp;
}

export type PlainFailureKind = 'login' | 'unknown_session';

export class PlainFailures {
  failure: string | null = null;
  sessionUnknown = false;

  constructor(private readonly patterns: PlainFailurePatterns) {}

  /** True when the line was one of the failures (and its event was pushed). */
  read(text: string, events: AdapterEvent[]): boolean {
    const kind: PlainFailureKind | null = this.patterns.unknownSession?.test(text)
      ? 'unknown_session'
      : this.patterns.login?.test(text)
        ? 'login'
        : null;
    if (!kind) return false;
    if (kind === 'unknown_session') this.sessionUnknown = true;
    this.failure ??= text;
    events.push({ type: 'error', message: oneLine(text), payload: { message: clipChars(text, EVENT_TEXT_CHARS), kind } });
    return true;
  }
}
