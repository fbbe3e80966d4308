import { type SqlStoreOptions, sqlStoreOptionFields } from '@dispatch/store-sql';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { isDataSource } from './typeorm-types.js';

/**
 * Options of the TypeORM outbox store (`OUTBOX_STORE.OPTIONS`): the DataSource, and the options
 * every SQL store shares (`tableName`, `requireTransaction`, `notifyChannel`, `preparedStatements`,
 * `analyzeWhenStale`; see `SqlStoreOptions`).
 */
export interface TypeOrmStoreOptions extends SqlStoreOptions {
  /**
   * The application's TypeORM `DataSource` (type `postgres`, `mysql`, `mariadb` or
   * `better-sqlite3`), initialized before the store connects. The store runs its SQL on query
   * runners of this DataSource and never destroys it.
   */
  dataSource: DataSource;
}

export const optionsSchema = z.strictObject({
  dataSource: z.custom<DataSource>((value) => isDataSource(value), {
    error: 'expected your TypeORM DataSource (new DataSource({ type, ... }))',
  }),
  ...sqlStoreOptionFields,
});
