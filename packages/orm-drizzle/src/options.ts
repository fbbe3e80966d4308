import {
  dialectOptionField,
  type SqlDialectName,
  type SqlStoreOptions,
  sqlStoreOptionFields,
} from '@dispatch/store-sql';
import { z } from 'zod';
import type { DrizzleDatabaseLike } from './outbox-transaction.js';

/**
 * Options of the Drizzle outbox store (`OUTBOX_STORE.OPTIONS`): the Drizzle database, and the
 * options every SQL store shares (`tableName`, `requireTransaction`, `notifyChannel`,
 * `preparedStatements`, `analyzeWhenStale`; see `SqlStoreOptions`).
 */
export interface DrizzleStoreOptions extends SqlStoreOptions {
  /**
   * The application's Drizzle database, as `drizzle()` returns it, on node-postgres (a pg `Pool`),
   * mysql2 (a pool) or better-sqlite3. The store runs its SQL on `db.$client` and never closes it.
   */
  db: DrizzleDatabaseLike;
  /**
   * The database `db` speaks. Found from `db` itself; set it only for a wrapped or proxied `db`
   * the store cannot recognise (it must agree with what is recognised).
   * @default detected from db
   */
  dialect?: SqlDialectName | undefined;
}

export const optionsSchema = z.strictObject({
  db: z.custom<DrizzleDatabaseLike>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { transaction?: unknown }).transaction === 'function' &&
      typeof (value as { $client?: unknown }).$client === 'object' &&
      (value as { $client?: unknown }).$client !== null,
    {
      error:
        'expected a Drizzle database as drizzle() returns it (with $client), on node-postgres, mysql2 or better-sqlite3',
    },
  ),
  dialect: dialectOptionField,
  ...sqlStoreOptionFields,
});
