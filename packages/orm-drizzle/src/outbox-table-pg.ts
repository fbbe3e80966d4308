import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgSchema, pgTable, text, unique, varchar } from 'drizzle-orm/pg-core';
import { checkTableName, DEFAULT_OUTBOX_TABLE, NON_FINAL_SQL, splitTableName } from './table-names.js';

const columns = () => ({
  seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  id: varchar('id', { length: 128 }).notNull(),
  specVersion: varchar('spec_version', { length: 16 }).notNull(),
  eventType: varchar('event_type', { length: 255 }).notNull(),
  source: text('source').notNull(),
  subject: text('subject'),
  dataContentType: varchar('data_content_type', { length: 255 }).notNull(),
  dataSchema: text('data_schema'),
  /** JSON text. */
  data: text('data'),
  orderingKey: varchar('ordering_key', { length: 255 }),
  extensions: text('extensions').notNull(),
  fields: text('fields').notNull(),
  backend: varchar('backend', { length: 255 }).notNull(),
  maxRetries: integer('max_retries').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  status: varchar('status', { length: 16 }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  availableAt: bigint('available_at', { mode: 'number' }).notNull(),
  publishedAt: bigint('published_at', { mode: 'number' }),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  lastError: text('last_error'),
  history: text('history').notNull().default('[]'),
  lockedUntil: bigint('locked_until', { mode: 'number' }),
  leaseOwner: varchar('lease_owner', { length: 255 }),
});

/**
 * The outbox table for drizzle-kit on PostgreSQL: the columns, unique constraint and partial
 * indexes `dispatch migrate` creates. Export it from your Drizzle schema so `drizzle-kit generate`
 * and `push` create it and never drop it: `export const outbox = outboxTablePg();`.
 * @param tableName the store's `tableName`, optionally `schema.table`. @default 'outbox_events'
 */
export function outboxTablePg(tableName: string = DEFAULT_OUTBOX_TABLE) {
  const { schema, base } = splitTableName(checkTableName('outboxTablePg', tableName, true));
  // One static type for both: the schema only changes the qualified name.
  const make = (schema === undefined ? pgTable : pgSchema(schema).table) as typeof pgTable;
  return make(base, columns(), (t) => [
    unique(`${base}_id_unique`).on(t.id),
    index(`${base}_due_idx`).on(t.seq).where(sql.raw(NON_FINAL_SQL)),
    index(`${base}_key_idx`)
      .on(t.orderingKey, t.seq)
      .where(sql.raw(`ordering_key IS NOT NULL AND ${NON_FINAL_SQL}`)),
    index(`${base}_lease_idx`)
      .on(t.orderingKey, t.lockedUntil)
      .where(sql.raw("ordering_key IS NOT NULL AND status = 'processing'")),
    index(`${base}_cleanup_idx`)
      .on(t.status, t.updatedAt)
      .where(sql.raw("status IN ('published', 'failed')")),
  ]);
}
