import { defineStore, InvalidArgumentError } from '@dispatch/core';
import { resolveSqlStoreOptions, SqlStoreDriver, sqlStoreCapabilities } from '@dispatch/store-sql';
import { detectDialect } from './detect-dialect.js';
import { optionsSchema, type TypeOrmStoreOptions } from './options.js';
import { TypeOrmExecutor } from './typeorm-executor.js';
import type { DataSourceLike } from './typeorm-types.js';

/**
 * The TypeORM outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-typeorm', OPTIONS: { dataSource } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const typeormStore = defineStore<TypeOrmStoreOptions, TypeOrmStoreOptions>({
  type: 'typeorm',
  options: optionsSchema,
  capabilities: (options) =>
    sqlStoreCapabilities({
      dialect: () => detectDialect(options.dataSource as unknown as DataSourceLike),
      notifyChannel: options.notifyChannel,
    }),
  create(options, context) {
    const settings = resolveSqlStoreOptions(options);
    const dialect = detectDialect(options.dataSource as unknown as DataSourceLike);
    if (dialect === 'sqlite' && settings.tableName.includes('.')) {
      throw new InvalidArgumentError(
        `OUTBOX_STORE.OPTIONS.tableName: SQLite takes a plain table name, got "${settings.tableName}"`,
      );
    }
    return new SqlStoreDriver(new TypeOrmExecutor(options.dataSource, dialect, context.logger), {
      ...settings,
      logger: context.logger,
      migrationHint: 'or run the TypeORM migration from createOutboxMigration() of @dispatch/orm-typeorm',
      transactionHint:
        'pass { transaction: manager } with the manager of dataSource.transaction(async (manager) => ...), ' +
        'or a query runner in a transaction, or publish inside a typeorm-transactional transaction',
    });
  },
});
