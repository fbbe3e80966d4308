import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { checkTableName, DEFAULT_OUTBOX_TABLE, NON_FINAL_SQL } from './table-names.js';

/**
 * `INTEGER PRIMARY KEY AUTOINCREMENT` without `NOT NULL`, as `dispatch migrate` writes it (the
 * column is the rowid and never null either way): drizzle-kit push compares the flag and would
 * otherwise rebuild the whole table, copying its rows.
 */
function seqColumn() {
  const column = integer('seq', { mode: 'number' }).primaryKey({ autoIncrement: true });
  (column as unknown as { config: { notNull: boolean } }).config.notNull = false;
  return column;
}

const columns = () => ({
  seq: seqColumn(),
  id: text('id', { length: 128 }).notNull().unique(),
  specVersion: text('spec_version', { length: 16 }).notNull(),
  eventType: text('event_type', { length: 255 }).notNull(),
  source: text('source').notNull(),
  subject: text('subject'),
  dataContentType: text('data_content_type', { length: 255 }).notNull(),
  dataSchema: text('data_schema'),
  /** JSON text. */
  data: text('data'),
  orderingKey: text('ordering_key', { length: 255 }),
  extensions: text('extensions').notNull(),
  fields: text('fields').notNull(),
  backend: text('backend', { length: 255 }).notNull(),
  maxRetries: integer('max_retries').notNull(),
  createdAt: integer('created_at').notNull(),
  status: text('status', { length: 16 }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  availableAt: integer('available_at').notNull(),
  publishedAt: integer('published_at'),
  updatedAt: integer('updated_at').notNull(),
  lastError: text('last_error'),
  history: text('history').notNull().default('[]'),
  lockedUntil: integer('locked_until'),
  leaseOwner: text('lease_owner', { length: 255 }),
});

/**
 * The outbox table for drizzle-kit on SQLite: the columns and partial indexes `dispatch migrate`
 * creates. Export it from your Drizzle schema so drizzle-kit creates it and never drops it.
 * @param tableName the store's `tableName` (a plain name on SQLite). @default 'outbox_events'
 */
export function outboxTableSqlite(tableName: string = DEFAULT_OUTBOX_TABLE) {
  checkTableName('outboxTableSqlite', tableName, false);
  return sqliteTable(tableName, columns(), (t) => [
    index(`${tableName}_due_idx`).on(t.seq).where(sql.raw(NON_FINAL_SQL)),
    index(`${tableName}_key_idx`)
      .on(t.orderingKey, t.seq)
      .where(sql.raw(`ordering_key IS NOT NULL AND ${NON_FINAL_SQL}`)),
    index(`${tableName}_lease_idx`)
      .on(t.orderingKey, t.lockedUntil)
      .where(sql.raw("ordering_key IS NOT NULL AND status = 'processing'")),
    index(`${tableName}_cleanup_idx`)
      .on(t.status, t.updatedAt)
      .where(sql.raw("status IN ('published', 'failed')")),
  ]);
}
