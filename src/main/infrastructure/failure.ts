// Infrastructure failures (a full disk, the database away, the pty host lost) are not the agent's
// failures: said in words with the folder and the fix, and never spending an issue's retry.
// Pure functions: the engine's end-of-run policy and the error paths call them.
import type { RunErrorCode } from '../../shared/domain';

const DISK_FULL = /\bENOSPC\b|no space left on device|could not extend file|disk is full|database or disk is full/i;
/** PostgreSQL's own file names (base/16384/2619, pg_wal/000..., global/1262): nobody's business. */
const PG_FILE = /"?\b(?:base\/\d+\/\d+(?:\.\d+)?|pg_wal\/[0-9A-F]{24}|global\/\d+|pg_xact\/[0-9A-F]+|pg_multixact\/\S+)"?/g;

function messagesOf(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof Error) {
      out.push(e.message, (e as NodeJS.ErrnoException).code ?? '');
      e = e.cause;
    } else {
      out.push(String(e));
      break;
    }
  }
  return out;
}

export function isDiskFull(err: unknown): boolean {
  return messagesOf(err).some((m) => DISK_FULL.test(m));
}

/** The sentence a person gets for a full disk: which folder, and what to do. */
export function diskFullWords(folder: string | null): string {
  return `the disk holding ${folder ?? "Vigil's data folder"} is full: free space there and Vigil resumes by itself`;
}

/** The same at a start that failed (nothing runs on to resume): which folder, and what to do. */
export function diskFullAtStartWords(folder: string): string {
  return `the disk holding ${folder} is full: free space there and start Vigil again`;
}

/**
 * One line a person can act on for an unexpected failure: a full disk said as such, with the
 * folder; PostgreSQL file paths replaced by "a database file"; the SQL of a failed query never.
 */
export function failureInWords(err: unknown, folder: string | null = null): string {
  if (isDiskFull(err)) return diskFullWords(folder);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : null;
  const message = cause?.message ?? (err instanceof Error ? err.message : String(err));
  if (message.startsWith('Failed query')) return 'a database query failed';
  return message.split('\n')[0].replace(PG_FILE, 'a database file').slice(0, 300);
}

export interface RunOutcomeLike {
  errorCode: RunErrorCode | string | null;
  error?: string | null;
}

/** Codes that are by definition the machine's, not the agent's. */
const INFRASTRUCTURE_CODES: ReadonlySet<string> = new Set(['log_write_failed', 'host_shutdown', 'host_offline']);

/**
 * True when a run failed only because of the machine it ran on (disk full, database or pty host
 * away, the host stopping): such a run must not consume its issue's retry; it is queued again
 * when the cause is gone. An agent that exited non-zero by itself is judged as before, unless
 * its own error names a full disk (it could not write its files).
 */
export function isInfrastructureFailure(outcome: RunOutcomeLike): boolean {
  if (!outcome.errorCode) return false;
  if (INFRASTRUCTURE_CODES.has(outcome.errorCode)) return true;
  if (outcome.errorCode === 'spawn_failed' || outcome.errorCode === 'workspace_failed' || outcome.errorCode === 'process_lost') {
    return isDiskFull(outcome.error ?? '') || /pty host|database|terminal was lost/i.test(outcome.error ?? '');
  }
  return outcome.errorCode === 'adapter_failed' ? isDiskFull(outcome.error ?? '') : false;
}
