// Each store-backed test runs twice: on PGlite in a temp folder and on a fresh database of a
// real PostgreSQL server. Use `describeEachStore` and `makeStore()` inside it.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { openStore, pgliteDirOf, type Store } from '../../src/main/db/client';

export type StoreKind = 'pglite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['pglite', 'postgres'];

export function pgUrl(): string {
  return inject('pgUrl');
}

export function tempDir(prefix = 'vigil-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh, empty database on the test server; returns its URL. */
export async function freshPgDatabase(): Promise<string> {
  const base = pgUrl();
  const name = `vigil_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestStoreTarget {
  kind: StoreKind;
  /** A data folder (always present: logs, socket and lock live there even with PostgreSQL). */
  dataDir: string;
  databaseUrl?: string;
  cleanup: () => void;
}

let pgliteTemplate: Promise<string> | null = null;

/**
 * initdb is the slow part of a fresh PGlite folder: each test worker makes one migrated,
 * cleanly closed folder and copies it for every test (the copy opens like any existing folder).
 */
function migratedPgliteTemplate(): Promise<string> {
  pgliteTemplate ??= (async () => {
    const { dir } = tempDir('vigil-template-');
    const store = await openStore({ pgliteDir: pgliteDirOf(dir) });
    await store.close();
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return pgliteDirOf(dir);
  })();
  return pgliteTemplate;
}

export async function makeStoreTarget(kind: StoreKind, opts: { fresh?: boolean } = {}): Promise<TestStoreTarget> {
  const { dir, cleanup } = tempDir();
  if (kind === 'pglite') {
    if (!opts.fresh) cpSync(await migratedPgliteTemplate(), pgliteDirOf(dir), { recursive: true });
    return { kind, dataDir: dir, cleanup };
  }
  return { kind, dataDir: dir, databaseUrl: await freshPgDatabase(), cleanup };
}

export async function makeStore(kind: StoreKind): Promise<{ store: Store; target: TestStoreTarget }> {
  const target = await makeStoreTarget(kind);
  const store = await openStore(kind === 'pglite' ? { pgliteDir: pgliteDirOf(target.dataDir) } : { databaseUrl: target.databaseUrl });
  return { store, target };
}

/** describe() once per store kind; the PostgreSQL variant is skipped (visibly) without a server. */
export function describeEachStore(name: string, fn: (kind: StoreKind) => void): void {
  for (const kind of STORE_KINDS) {
    const d = kind === 'postgres' && !pgUrl() ? describe.skip : describe;
    d(`${name} [${kind}]`, () => fn(kind));
  }
}
