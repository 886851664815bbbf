// What a PGlite folder looks like on disk before anything opens it. PGlite decides on its own
// whether to run initdb (it checks PG_VERSION only), so a damaged folder must be recognised
// here first: given a folder whose PG_VERSION is gone, PGlite initdb's over the data.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type FolderState =
  /** Missing or empty: opening it runs initdb. */
  | { kind: 'absent' }
  /** Files every finished initdb leaves are missing (initdb was killed, or files were removed). */
  | { kind: 'incomplete'; missing: string[] }
  /** Closed cleanly: PostgreSQL removes postmaster.pid on a clean shutdown. */
  | { kind: 'clean' }
  /** postmaster.pid is still there: the last owner died (or is alive) and WAL replay will run. */
  | { kind: 'unclean' };

// PGlite extracts initdb's output as one tar whose last entries are PG_VERSION, the config
// files and postmaster.pid; global/pg_control comes early. Opening fails without postgresql.conf
// or pg_hba.conf (measured), and without PG_VERSION PGlite re-runs initdb over the folder.
const REQUIRED = ['PG_VERSION', 'postgresql.conf', 'pg_hba.conf', join('global', 'pg_control'), 'base', 'pg_wal'];

export function inspectFolder(dir: string): FolderState {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return { kind: 'absent' }; // missing or unreadable: opening it says which, in words
  }
  if (entries.length === 0) return { kind: 'absent' };
  const missing = REQUIRED.filter((name) => !existsSync(join(dir, name)));
  if (missing.length) return { kind: 'incomplete', missing };
  return existsSync(join(dir, 'postmaster.pid')) ? { kind: 'unclean' } : { kind: 'clean' };
}
