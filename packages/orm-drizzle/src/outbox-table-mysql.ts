import {
  bigint,
  index,
  int,
  longtext,
  mysqlSchema,
  mysqlTable,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';
import { checkTableName, DEFAULT_OUTBOX_TABLE, splitTableName } from './table-names.js';

const columns = () => ({
  seq: bigint('seq', { mode: 'number' }).autoincrement().primaryKey(),
  id: varchar('id', { length: 128 }).notNull(),
  specVersion: varchar('spec_version', { length: 16 }).notNull(),
  eventType: varchar('event_type', { length: 255 }).notNull(),
  source: text('source').notNull(),
  subject: text('subject'),
  dataContentType: varchar('data_content_type', { length: 255 }).notNull(),
  dataSchema: text('data_schema'),
  /** JSON text. */
  data: longtext('data'),
  orderingKey: varchar('ordering_key', { length: 255 }),
  extensions: text('extensions').notNull(),
  fields: text('fields').notNull(),
  backend: varchar('backend', { length: 255 }).notNull(),
  maxRetries: int('max_retries').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  status: varchar('status', { length: 16 }).notNull(),
  attempts: int('attempts').notNull().default(0),
  availableAt: bigint('available_at', { mode: 'number' }).notNull(),
  publishedAt: bigint('published_at', { mode: 'number' }),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  lastError: text('last_error'),
  // MariaDB/MySQL cannot default a TEXT column; the store always writes it.
  history: longtext('history').notNull(),
  lockedUntil: bigint('locked_until', { mode: 'number' }),
  leaseOwner: varchar('lease_owner', { length: 255 }),
});

/**
 * The outbox table for drizzle-kit on MariaDB/MySQL: the columns and indexes `dispatch migrate`
 * creates. Export it, with `outboxKeyLocksTableMysql()`, from your Drizzle schema so drizzle-kit
 * creates both and never drops them.
 * @param tableName the store's `tableName`, optionally `database.table`. @default 'outbox_events'
 */
export function outboxTableMysql(tableName: string = DEFAULT_OUTBOX_TABLE) {
  const { schema, base } = splitTableName(checkTableName('outboxTableMysql', tableName, true));
  // One static type for both: the schema only changes the qualified name.
  const make = (schema === undefined ? mysqlTable : mysqlSchema(schema).table) as typeof mysqlTable;
  return make(base, columns(), (t) => [
    uniqueIndex(`${base}_id_unique`).on(t.id),
    // No partial indexes here, so `status` leads.
    index(`${base}_due_idx`).on(t.status, t.seq),
    index(`${base}_key_idx`).on(t.orderingKey, t.status, t.seq),
    index(`${base}_cleanup_idx`).on(t.status, t.updatedAt),
  ]);
}

/**
 * The per-key lock table (`<tableName>_key_locks`) the MariaDB/MySQL store needs next to the
 * outbox table. Its 4096 rows are written by `dispatch migrate`, which is safe to run after
 * drizzle-kit created the table.
 * @param tableName the store's `tableName`. @default 'outbox_events'
 */
export function outboxKeyLocksTableMysql(tableName: string = DEFAULT_OUTBOX_TABLE) {
  const { schema, base } = splitTableName(checkTableName('outboxKeyLocksTableMysql', tableName, true));
  // One static type for both: the schema only changes the qualified name.
  const make = (schema === undefined ? mysqlTable : mysqlSchema(schema).table) as typeof mysqlTable;
  return make(`${base}_key_locks`, { bucket: int('bucket').primaryKey() });
}
