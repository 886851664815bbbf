// How a CLI's run failed, as its parser understood it: the CLI's own words about a login it lacks
// or a session it does not know (some CLIs print those as plain text even in their JSON modes), or
// the error it reported in its stream. The parser's result carries it (`failure`), and the run's
// error says it (failure-words.ts) instead of only an exit code.
import { EVENT_TEXT_CHARS, clipChars, oneLine } from './text';
import type { AdapterEvent, AdapterFailure } from './types';

export interface FailurePatterns {
  /** The CLI says it has no credentials. */
  login?: RegExp;
  /** The CLI says it does not know the session it was asked to resume. */
  unknownSession?: RegExp;
  /**
   * After saying it has no credentials the CLI waits for a login nobody can give a headless run
   * (a code pasted into the terminal): the run is stopped at once instead of at its timeout.
   */
  loginWaits?: boolean;
}

export class Failures {
  /** It said it does not know the session it was asked to resume: the session is forgotten. */
  sessionUnknown = false;
  /** What a plain line said (a missing login, an unknown session): the first one counts. */
  private plain: AdapterFailure | null = null;
  /** The last error the CLI reported in its stream. */
  private reported: AdapterFailure | null = null;

  constructor(private readonly patterns: FailurePatterns = {}) {}

  /** A line that is not a document: true when it was one of the failures (and its event was pushed). */
  read(text: string, events: AdapterEvent[]): boolean {
    const kind = this.kindOf(text);
    if (kind === 'error') return false;
    this.plain ??= { kind, said: text, ...(kind === 'login' && this.patterns.loginWaits ? { stuck: true } : {}) };
    events.push({ type: 'error', message: oneLine(text), payload: { message: clipChars(text, EVENT_TEXT_CHARS), kind } });
    return true;
  }

  /** An error the CLI reported in its stream (its event is the stream's own); the last one counts. */
  report(message: string): void {
    this.reported = { kind: this.kindOf(message), said: message };
  }

  /** What went wrong, when the CLI said anything about it. */
  get failure(): AdapterFailure | undefined {
    return this.plain ?? this.reported ?? undefined;
  }

  /** The last error the CLI reported in its stream (not a plain line). */
  get streamError(): string | null {
    return this.reported?.said ?? null;
  }

  /** Its words, for a run's summary when the agent said nothing else. */
  get said(): string | null {
    return this.failure?.said ?? null;
  }

  private kindOf(text: string): AdapterFailure['kind'] {
    if (this.patterns.unknownSession?.test(text)) {
      this.sessionUnknown = true;
      return 'unknown_session';
    }
    return this.patterns.login?.test(text) ? 'login' : 'error';
  }
}
