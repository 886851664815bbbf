// Column helpers every schema file shares: text ids, timestamps with time zone (read as Dates),
// and the foreign key of a row that lives and dies with another.
import { text, timestamp, type AnyPgColumn } from 'drizzle-orm/pg-core';

export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
export const created = () => ts('created_at').notNull().defaultNow();
export const updated = () => ts('updated_at').notNull().defaultNow();

/** created_at and updated_at, both set when the row is made. */
export const stamps = () => ({ createdAt: created(), updatedAt: updated() });

/** A table's key: a text id (newId). */
export const idKey = () => text('id').primaryKey();

/** The row this one belongs to: required, and deleted with it (ON DELETE CASCADE). */
export const belongsTo = (name: string, parent: () => AnyPgColumn) => text(name).notNull().references(parent, { onDelete: 'cascade' });
