// The host's own log: a background loop that fails (a recovery sweep, a retention pass, an
// event that could not be told) leaves a line here instead of vanishing in `.catch(() => {})`.
// Until the host opens `<data>/host.log` (see useHostLogFile), lines go to stderr.
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogSink {
  write(line: string): void;
}

let sink: LogSink = { write: (line) => process.stderr.write(line) };

/** Where the host's lines go from now on (host.ts points it at the data folder's host.log). */
export function setHostLogSink(next: LogSink): void {
  sink = next;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One line: time, level, the area that speaks (`recovery`, `scheduler`, …), what happened. */
export function hostLog(level: LogLevel, area: string, message: string, err?: unknown): void {
  const why = err === undefined ? '' : `: ${messageOf(err)}`;
  sink.write(`${new Date().toISOString()} ${level} ${area} ${message}${why}\n`);
}

/** For a promise whose failure must not stop its caller, but must leave a trace. */
export function logFailure(area: string, what: string): (err: unknown) => void {
  return (err) => hostLog('warn', area, what, err);
}
