import type { SqlDialectName } from './executor.js';

/** Names derived from the table name: indexes, and the key-lock table on MariaDB/MySQL. */
export interface TableNames {
  /** As configured, possibly `schema.table`. */
  table: string;
  /** The part after the schema, used to name indexes. */
  base: string;
  /** MariaDB/MySQL: the per-key lock table (see `KEY_LOCK_BUCKETS`). */
  keyLocks: string;
}

export const DEFAULT_TABLE_NAME = 'outbox_events';

export function tableNames(table: string): TableNames {
  const base = table.includes('.') ? table.slice(table.indexOf('.') + 1) : table;
  return { table, base, keyLocks: `${table}_key_locks` };
}

/** Statuses a claimable or in-flight event can have; final ones never block a key. */
export const NON_FINAL = `('pending', 'retry', 'processing')`;
export const FINAL = `('published', 'failed')`;

/** Column types that differ between databases; everything else is written once below. */
export interface ColumnTypes {
  seq: string;
  time: string;
  int: string;
  longText: string;
  /** `history` default: MariaDB/MySQL cannot default a TEXT column, the store always writes it. */
  historyDefault: string;
}

/** The outbox columns, in order, for one database. */
export function columnsSql(name: SqlDialectName, type: ColumnTypes): string[] {
  return [
    `seq ${type.seq}`,
    // SQLite has no named constraints worth having: the id is unique inline there.
    `id VARCHAR(128) NOT NULL${name === 'sqlite' ? ' UNIQUE' : ''}`,
    'spec_version VARCHAR(16) NOT NULL',
    'event_type VARCHAR(255) NOT NULL',
    'source TEXT NOT NULL',
    'subject TEXT NULL',
    'data_content_type VARCHAR(255) NOT NULL',
    'data_schema TEXT NULL',
    `data ${type.longText} NULL`,
    'ordering_key VARCHAR(255) NULL',
    'extensions TEXT NOT NULL',
    'fields TEXT NOT NULL',
    'backend VARCHAR(255) NOT NULL',
    `max_retries ${type.int} NOT NULL`,
    `created_at ${type.time} NOT NULL`,
    'status VARCHAR(16) NOT NULL',
    `attempts ${type.int} NOT NULL DEFAULT 0`,
    `available_at ${type.time} NOT NULL`,
    `published_at ${type.time} NULL`,
    `updated_at ${type.time} NOT NULL`,
    'last_error TEXT NULL',
    `history ${type.longText} NOT NULL${type.historyDefault}`,
    `locked_until ${type.time} NULL`,
    'lease_owner VARCHAR(255) NULL',
  ];
}

/** PostgreSQL and SQLite: partial indexes, so millions of published rows never enter the claim path. */
export function partialIndexesSql(t: string, idx: (suffix: string) => string): string[] {
  return [
    `CREATE INDEX IF NOT EXISTS ${idx('due_idx')} ON ${t} (seq) WHERE status IN ${NON_FINAL}`,
    `CREATE INDEX IF NOT EXISTS ${idx('key_idx')} ON ${t} (ordering_key, seq) WHERE ordering_key IS NOT NULL AND status IN ${NON_FINAL}`,
    // In-flight rows only: "is this key under a live lease?" without reading the key's backlog.
    `CREATE INDEX IF NOT EXISTS ${idx('lease_idx')} ON ${t} (ordering_key, locked_until) WHERE ordering_key IS NOT NULL AND status = 'processing'`,
    // Final rows only: a new event writes no entry here.
    `CREATE INDEX IF NOT EXISTS ${idx('cleanup_idx')} ON ${t} (status, updated_at) WHERE status IN ${FINAL}`,
  ];
}

/**
 * One outbox row as an ORM entity over the table reads it (camelCase properties of the snake_case
 * columns). Times are epoch milliseconds on the database clock; JSON columns are text.
 */
export interface OutboxEventRecord {
  seq: number;
  id: string;
  specVersion: string;
  eventType: string;
  source: string;
  subject: string | null;
  dataContentType: string;
  dataSchema: string | null;
  /** JSON text. */
  data: string | null;
  orderingKey: string | null;
  extensions: string;
  fields: string;
  backend: string;
  maxRetries: number;
  createdAt: number;
  status: string;
  attempts: number;
  availableAt: number;
  publishedAt: number | null;
  updatedAt: number;
  lastError: string | null;
  history: string;
  lockedUntil: number | null;
  leaseOwner: string | null;
}
