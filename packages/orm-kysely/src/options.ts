import {
  type PgPoolLike,
  pgPoolStoreOptionFields,
  type SqlDialectName,
  type SqlStoreOptions,
} from '@dispatch/store-sql';
import { z } from 'zod';
import { type AnyKysely, isKysely } from './kysely-types.js';

/**
 * Options of the Kysely outbox store (`OUTBOX_STORE.OPTIONS`): the Kysely instance, and the options
 * every SQL store shares (`tableName`, `requireTransaction`, `notifyChannel`, `preparedStatements`,
 * `analyzeWhenStale`; see `SqlStoreOptions`).
 */
export interface KyselyStoreOptions extends SqlStoreOptions {
  /**
   * The application's `Kysely` instance (PostgresDialect, MysqlDialect or SqliteDialect, or a
   * third-party dialect on one of those databases). The store runs its SQL through it, without its
   * plugins, and never destroys it.
   */
  db: AnyKysely;
  /**
   * The database family, when it cannot be told from `db`'s adapter (a third-party dialect whose
   * adapter does not extend Kysely's own).
   * @default detected from `db` (its dialect adapter)
   */
  dialect?: SqlDialectName | undefined;
  /**
   * PostgreSQL only: the `pg` Pool given to your `PostgresDialect` (Kysely keeps it private). With
   * it the store sends LISTEN on a connection of its own (wake-ups) and runs the claim and the
   * published-outcome write as named prepared statements on the pool. Without it workers poll and
   * no statement is prepared. It must reach the same database as `db` (checked on first use).
   * @default undefined (no wake-ups, no prepared statements)
   */
  pgPool?: PgPoolLike | undefined;
}

export const optionsSchema = z.strictObject({
  db: z.custom<AnyKysely>((value) => isKysely(value) && !value.isTransaction, {
    error: 'expected your Kysely instance (new Kysely({ dialect })), not a transaction',
  }),
  ...pgPoolStoreOptionFields('the one your PostgresDialect uses'),
});
