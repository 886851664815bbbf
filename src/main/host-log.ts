// The host's own log: a background loop that fails (a recovery sweep, a retention pass, an
// event that could not be told) leaves a line here instead of vanishing in `.catch(() => {})`.
// Until the host opens `<data>/host.log` (see useHostLogFile), lines go to stderr.
import { openLogFile, type LogFile } from '../node/log-file';
import { hostLogPathOf } from '../node/paths';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogSink {
  write(line: string): void;
}

let sink: LogSink = { write: (line) => process.stderr.write(line) };
let file: LogFile | null = null;

/** Where the host's lines go from now on. */
export function setHostLogSink(next: LogSink): void {
  sink = next;
}

/**
 * The host opened its data folder: its lines go to `<data>/host.log` (rotated at 5 MB to
 * host.log.1). A process that opens another folder later (tests do) moves to that one.
 */
export function useHostLogFile(dataDir: string): void {
  const previous = file;
  file = openLogFile(hostLogPathOf(dataDir));
  setHostLogSink(file);
  previous?.close();
  // Which process held the folder when: the lines that follow are read against it.
  hostLog('info', 'host', `pid ${process.pid} opened ${dataDir}`);
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
