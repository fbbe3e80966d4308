import { type SqlStoreOptions, sqlStoreOptionFields } from '@dispatch/store-sql';
import { z } from 'zod';

/**
 * Options of the MikroORM outbox store (`OUTBOX_STORE.OPTIONS`): the ORM, and the options every SQL
 * store shares (`tableName`, `requireTransaction`, `notifyChannel`, `preparedStatements`,
 * `analyzeWhenStale`; see `SqlStoreOptions`).
 */
export interface MikroOrmStoreOptions extends SqlStoreOptions {
  /**
   * The application's initialized `MikroORM` instance (PostgreSQL, MariaDB/MySQL or SQLite driver).
   * The store runs its SQL through this ORM's connection and never closes it.
   */
  orm: MikroOrmLike;
}

/** The parts of a `MikroORM` instance the store uses (kept structural so v6 and v7 both fit). */
export interface MikroOrmLike {
  em: unknown;
}

export const optionsSchema = z.strictObject({
  orm: z.custom<MikroOrmLike>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { em?: { getConnection?: unknown } }).em?.getConnection === 'function',
    { error: 'expected an initialized MikroORM instance (the object MikroORM.init() resolves to)' },
  ),
  ...sqlStoreOptionFields,
});
