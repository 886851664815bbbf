// Opens the store: PGlite in a data folder by default, a PostgreSQL server when a URL is
// given. Both end as one drizzle database over the same schema, migrated the same way.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { migrate, type SqlRunner } from './migrate';
import { pgliteOptions } from './pglite-options';
import { logFailure } from '../host-log';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DbKind = 'pglite' | 'postgres';

export interface Store {
  db: Db;
  kind: DbKind;
  sql: SqlRunner;
  /** Flushes everything to disk (PGlite) or is a no-op on a server. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** PGlite folder (created if missing). */
  pgliteDir?: string;
  databaseUrl?: string;
  /** Skip migrations (tests that inspect an unmigrated store). */
  skipMigrate?: boolean;
}

export function pgliteDirOf(dataDir: string): string {
  return join(dataDir, 'db');
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const store = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : await openPglite(required(opts.pgliteDir));
  if (!opts.skipMigrate) {
    try {
      await migrate(store.sql);
    } catch (err) {
      await store.close().catch(() => undefined); // the migration's error is the one to report
      throw err;
    }
  }
  return store;
}

function required(dir: string | undefined): string {
  if (!dir) throw new Error('openStore needs pgliteDir or databaseUrl');
  return dir;
}

async function openPglite(dir: string): Promise<Store> {
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir, pgliteOptions());
  const yields = yieldBetweenQueries(client);
  let closing: Promise<void> | null = null;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  const sql: SqlRunner = {
    query: async (text, params) => (await client.query<Record<string, unknown>>(text, params as unknown[])).rows,
    transaction: (fn) =>
      client.transaction((tx) =>
        fn({ query: async (text, params) => (await tx.query<Record<string, unknown>>(text, params as unknown[])).rows }),
      ),
  };
  return {
    db,
    kind: 'pglite',
    sql,
    checkpoint: async () => {
      if (!client.closed) await client.exec('CHECKPOINT');
    },
    // One close however often it is asked for: a second PGlite close() rejects while closing.
    close: () =>
      (closing ??= (async () => {
        if (client.closed) return;
        // Writes issued before close() still land: let any waiting its turn reach the queue first.
        await yields.drain();
        // Best effort (close checkpoints too), but a failure here is the first sign of a damaged folder.
        await client.exec('CHECKPOINT').catch(logFailure('database', 'checkpoint before closing failed'));
        await client.close();
      })()),
  };
}

/** How long PGlite work may hold the event loop before a query waits one turn. */
const YIELD_EVERY_MS = 5;

/**
 * PGlite answers in microtasks, so a chain of awaited queries (recovery, finalizing many runs)
 * never lets timers or I/O run: pty output would sit unread for seconds. Every query (inside
 * transactions too) first yields one event-loop turn once YIELD_EVERY_MS have passed since the
 * last yield; PGlite's own lock keeps other queries out of an open transaction meanwhile.
 */
function yieldBetweenQueries(client: PGlite): { drain(): Promise<void> } {
  let lastYield = performance.now();
  let waiting = 0;
  const turn = async () => {
    if (performance.now() - lastYield < YIELD_EVERY_MS) return;
    waiting++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    waiting--;
    lastYield = performance.now();
  };
  const query = client.query.bind(client);
  client.query = (async (...args: Parameters<typeof query>) => {
    await turn();
    return query(...args);
  }) as typeof client.query;
  const transaction = client.transaction.bind(client);
  client.transaction = ((fn: Parameters<typeof transaction>[0]) =>
    transaction(async (tx) => {
      const txQuery = tx.query.bind(tx);
      tx.query = (async (...args: Parameters<typeof txQuery>) => {
        await turn();
        return txQuery(...args);
      }) as typeof tx.query;
      return fn(tx);
    })) as typeof client.transaction;
  return {
    /** Resolves once every query issued so far has reached PGlite's queue (close waits for them). */
    async drain() {
      while (waiting > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

async function openPostgres(url: string): Promise<Store> {
  // Loaded here: a PGlite host (the usual laptop) never needs the PostgreSQL driver (~15 MB).
  const [{ default: pg }, { drizzle: drizzlePg }] = await Promise.all([import('pg'), import('drizzle-orm/node-postgres')]);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // A server going away must not crash the host: queries fail and are reported instead.
  pool.on('error', () => undefined);
  await pool.query('select 1');
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const sql: SqlRunner = {
    query: async (text, params) => (await pool.query(text, params as unknown[])).rows,
    transaction: async (fn) => {
      const conn = await pool.connect();
      try {
        await conn.query('begin');
        const out = await fn({ query: async (text, params) => (await conn.query(text, params as unknown[])).rows });
        await conn.query('commit');
        return out;
      } catch (err) {
        await conn.query('rollback').catch(() => undefined); // the statement's error is the one to report; release() ends a broken connection
        throw err;
      } finally {
        conn.release();
      }
    },
  };
  let closed = false;
  return {
    db,
    kind: 'postgres',
    sql,
    checkpoint: async () => undefined,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
