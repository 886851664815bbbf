import { afterEach, expect, it } from 'vitest';
import { getTableName } from 'drizzle-orm';
import * as schema from '../../../src/main/db/schema';
import { loadMigrations, migrate } from '../../../src/main/db/migrate';
import { describeEachStore, makeStore } from '../../helpers/stores';
import type { Store } from '../../../src/main/db/client';

describeEachStore('schema and migrations', (kind) => {
  let store: Store | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    await store?.close();
    cleanup?.();
  });

  it('creates every table of the schema and records the migration', async () => {
    const made = await makeStore(kind);
    store = made.store;
    cleanup = made.target.cleanup;
    const rows = await store.sql.query(`select table_name from information_schema.tables where table_schema = 'public'`);
    const tables = new Set(rows.map((r) => String(r.table_name)));
    for (const value of Object.values(schema)) {
      if (value && typeof value === 'object' && Symbol.for('drizzle:IsDrizzleTable') in value) {
        expect(tables).toContain(getTableName(value as never));
      }
    }
    const applied = await store.sql.query('select tag from vigil_migrations order by tag');
    expect(applied.map((r) => r.tag)).toEqual(loadMigrations().map((m) => m.tag));
  });

  it('is idempotent and refuses a migration edited after it was applied', async () => {
    const made = await makeStore(kind);
    store = made.store;
    cleanup = made.target.cleanup;
    expect(await migrate(store.sql)).toEqual([]);
    await store.sql.query(`update vigil_migrations set hash = 'tampered'`);
    await expect(migrate(store.sql)).rejects.toThrow(/changed after it was applied/);
  });
});
