import { z } from 'zod';
import { DEFAULT_TABLE_NAME } from './schema.js';

/** The options every SQL store shares, whatever the ORM (`OUTBOX_STORE.OPTIONS`). */
export interface SqlStoreOptions {
  /**
   * Outbox table name, at most 50 characters (index names append to it). On PostgreSQL it may be
   * schema-qualified (`dispatch.outbox_events`), on MariaDB/MySQL database-qualified.
   * @default 'outbox_events'
   */
  tableName?: string | undefined;
  /**
   * Throw `TransactionRequiredError` when `publishEvent` is called with no transaction (explicit or
   * ambient), instead of writing and committing on its own.
   * @default false
   */
  requireTransaction?: boolean | undefined;
  /**
   * PostgreSQL only: the `LISTEN/NOTIFY` channel used to wake workers when events commit; `false`
   * turns the NOTIFY off (workers then rely on polling alone).
   * @default `dispatch_<table name>` (dots replaced by underscores)
   */
  notifyChannel?: string | false | undefined;
  /**
   * PostgreSQL only: run the claim and the published-outcome write as named prepared statements, so
   * PostgreSQL can reuse their plans. Turn off behind a pooler that cannot carry them (PgBouncer in
   * transaction mode before 1.21, or without `max_prepared_statements`).
   * @default true
   */
  preparedStatements?: boolean | undefined;
  /**
   * PostgreSQL only: after a claim slower than 100 ms, check the table's planner statistics and run
   * `ANALYZE` on it when they are stale (never analyzed, or more than a tenth of its rows changed
   * since), at most once a minute. Needs the table's owner; without that a warning is logged once.
   * @default true
   */
  analyzeWhenStale?: boolean | undefined;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Zod fields for `SqlStoreOptions`; an ORM store spreads them next to its own (`orm`, `client`...). */
export const sqlStoreOptionFields = {
  tableName: z
    .string({ error: 'expected a table name' })
    .regex(identifier, { error: 'expected letters, digits and underscores, optionally schema.table' })
    // Index and lock-table names append up to 12 characters; longer ones would be truncated alike.
    .refine((name) => name.split('.').every((part) => part.length <= 50), {
      error: 'at most 50 characters (before and after the dot)',
    })
    .optional(),
  requireTransaction: z.boolean({ error: 'expected true or false' }).optional(),
  notifyChannel: z
    .union([z.literal(false), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)], {
      error: 'expected a channel name (letters, digits, underscores) or false',
    })
    .optional(),
  preparedStatements: z.boolean({ error: 'expected true or false' }).optional(),
  analyzeWhenStale: z.boolean({ error: 'expected true or false' }).optional(),
};

/** Zod field for an ORM store's `dialect`, for when the database cannot be told from the ORM handle. */
export const dialectOptionField = z
  .enum(['postgresql', 'mysql', 'sqlite'], { error: "expected 'postgresql', 'mysql' or 'sqlite'" })
  .optional();

export function defaultNotifyChannel(tableName: string): string {
  return `dispatch_${tableName.replaceAll('.', '_')}`.slice(0, 63);
}

/** The options with their defaults filled in. */
export function resolveSqlStoreOptions(options: SqlStoreOptions): Required<{
  [K in keyof SqlStoreOptions]: Exclude<SqlStoreOptions[K], undefined>;
}> {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  return {
    tableName,
    requireTransaction: options.requireTransaction ?? false,
    notifyChannel: options.notifyChannel ?? defaultNotifyChannel(tableName),
    preparedStatements: options.preparedStatements ?? true,
    analyzeWhenStale: options.analyzeWhenStale ?? true,
  };
}
