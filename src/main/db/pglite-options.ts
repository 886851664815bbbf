// How Vigil starts PGlite, in the host and in every child that opens a folder (log replay,
// backup verification, the first initdb): the same settings everywhere.
//
// Where PGlite's memory goes (measured on PGlite 0.5.16, Node 20, RSS of a bare process that
// opened a migrated folder; see docs/performance.md): Node itself about 50 MB; the compiled
// WebAssembly and the file-system bundle about 75 MB; PostgreSQL's shared memory, which the
// single-user backend allocates and touches in full at start — mostly `shared_buffers`, which
// initdb sets to 128 MB. A laptop app with one connection and a database of tens of MB does not
// need 128 MB of buffer pool (the kernel's page cache keeps the files warm anyway): 16 MB takes
// about 110 MB off every process that opens the folder.
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

/** Server settings given on PGlite's command line: they override the folder's postgresql.conf. */
export const VIGIL_PG_SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  // One backend in single-user mode: WAL buffers beyond 1 MB only pin memory.
  wal_buffers: '1MB',
  // Never used by one backend with no parallel workers; each slot costs shared memory.
  max_connections: '10',
};

/** PGlite's default start parameters plus Vigil's settings. */
export function pgliteStartParams(): string[] {
  return [...PGlite.defaultStartParams, ...Object.entries(VIGIL_PG_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

export function pgliteOptions(): PGliteOptions {
  return { startParams: pgliteStartParams() };
}
