// Applies the drizzle-kit generated migrations (embedded in the bundle, so the packaged app
// and `vigil serve` carry them) with one code path for PGlite and PostgreSQL.
import { createHash } from 'node:crypto';
import journal from './migrations/meta/_journal.json';

export interface SqlRunner {
  /** Runs one statement; returns rows. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs fn in one transaction on one connection. */
  transaction<T>(fn: (tx: { query: SqlRunner['query'] }) => Promise<T>): Promise<T>;
}

const files = import.meta.glob('./migrations/*.sql', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export interface Migration {
  tag: string;
  hash: string;
  statements: string[];
}

export function loadMigrations(): Migration[] {
  return journal.entries.map((entry) => {
    const text = files[`./migrations/${entry.tag}.sql`];
    if (text === undefined) throw new Error(`migration ${entry.tag}.sql is missing from the bundle`);
    return {
      tag: entry.tag,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter(Boolean),
    };
  });
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so two hosts
 * sharing one PostgreSQL server never migrate at once. Returns the tags applied.
 */
export async function migrate(db: SqlRunner): Promise<string[]> {
  const migrations = loadMigrations();
  await db.query(
    `create table if not exists vigil_migrations (tag text primary key, hash text not null, applied_at timestamptz not null default now())`,
  );
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(7071234)');
    const rows = await tx.query('select tag, hash from vigil_migrations');
    const done = new Map(rows.map((r) => [String(r.tag), String(r.hash)]));
    for (const m of migrations) {
      const seen = done.get(m.tag);
      if (seen !== undefined) {
        if (seen !== m.hash) throw new Error(`migration ${m.tag} was changed after it was applied`);
        continue;
      }
      for (const statement of m.statements) await tx.query(statement);
      await tx.query('insert into vigil_migrations (tag, hash) values ($1, $2)', [m.tag, m.hash]);
      applied.push(m.tag);
    }
  });
  return applied;
}
