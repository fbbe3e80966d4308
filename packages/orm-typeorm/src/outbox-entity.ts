import { DEFAULT_TABLE_NAME, type OutboxEventRecord } from '@dispatch/store-sql';
import { EntitySchema, type ValueTransformer } from 'typeorm';

export type { OutboxEventRecord };

export interface OutboxEntityOptions {
  /** The store's `tableName`; a qualified one names the PostgreSQL schema or the MariaDB/MySQL database. @default 'outbox_events' */
  tableName?: string | undefined;
  /** Entity name in your DataSource's metadata. @default 'DispatchOutboxEvent' */
  name?: string | undefined;
}

/** BIGINT columns come back as strings from pg and mysql2; the times fit in a number. */
const bigint: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/**
 * An EntitySchema over the outbox table, for admin screens and queries through your own
 * DataSource (`entities: [createOutboxEntity()]`). It is marked `synchronize: false`: TypeORM's
 * `synchronize: true`, `schema:sync` and `migration:generate` leave the table alone (create it with
 * `dispatch migrate` or `createOutboxMigration()`; its partial indexes cannot be described here).
 * Read through it; do not change statuses through it: the store's fencing relies on its own
 * conditional writes.
 */
export function createOutboxEntity(options: OutboxEntityOptions = {}): EntitySchema<OutboxEventRecord> {
  const configured = options.tableName ?? DEFAULT_TABLE_NAME;
  const dot = configured.indexOf('.');
  const qualifier = dot < 0 ? undefined : configured.slice(0, dot);
  const tableName = dot < 0 ? configured : configured.slice(dot + 1);
  const time = (nullable = false) => ({ type: 'bigint' as const, nullable, transformer: bigint });
  const text = (nullable = false) => ({ type: 'text' as const, nullable });
  const varchar = (length: number, nullable = false) => ({ type: 'varchar' as const, length, nullable });
  return new EntitySchema<OutboxEventRecord>({
    name: options.name ?? 'DispatchOutboxEvent',
    tableName,
    // The table name says which: a schema on PostgreSQL, a database on MariaDB/MySQL.
    ...(qualifier ? { schema: qualifier, database: qualifier } : {}),
    synchronize: false,
    columns: {
      seq: { ...time(), primary: true, generated: 'increment' },
      id: { ...varchar(128), unique: true },
      specVersion: { ...varchar(16), name: 'spec_version' },
      eventType: { ...varchar(255), name: 'event_type' },
      source: text(),
      subject: text(true),
      dataContentType: { ...varchar(255), name: 'data_content_type' },
      dataSchema: { ...text(true), name: 'data_schema' },
      data: text(true),
      orderingKey: { ...varchar(255, true), name: 'ordering_key' },
      extensions: text(),
      fields: text(),
      backend: varchar(255),
      maxRetries: { type: 'int', name: 'max_retries' },
      createdAt: { ...time(), name: 'created_at' },
      status: varchar(16),
      attempts: { type: 'int', default: 0 },
      availableAt: { ...time(), name: 'available_at' },
      publishedAt: { ...time(true), name: 'published_at' },
      updatedAt: { ...time(), name: 'updated_at' },
      lastError: { ...text(true), name: 'last_error' },
      history: text(),
      lockedUntil: { ...time(true), name: 'locked_until' },
      leaseOwner: { ...varchar(255, true), name: 'lease_owner' },
    },
  });
}
