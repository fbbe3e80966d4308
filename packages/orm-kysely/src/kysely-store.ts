import { ConfigError, defineStore } from '@dispatch/core';
import { resolveSqlStoreOptions, SqlStoreDriver, sqlStoreCapabilities } from '@dispatch/store-sql';
import { detectDialect } from './detect-dialect.js';
import { KyselyExecutor } from './kysely-executor.js';
import { type KyselyStoreOptions, optionsSchema } from './options.js';

/**
 * The Kysely outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-kysely', OPTIONS: { db } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const kyselyStore = defineStore<KyselyStoreOptions, KyselyStoreOptions>({
  type: 'kysely',
  options: optionsSchema,
  // LISTEN needs a connection of its own: only with `pgPool`.
  capabilities: (options) =>
    sqlStoreCapabilities({
      dialect: () => options.dialect ?? detectDialect(options.db),
      notifyChannel: options.notifyChannel,
      listens: options.pgPool !== undefined,
    }),
  create(options, { logger }) {
    const settings = resolveSqlStoreOptions(options);
    const dialect = options.dialect ?? detectDialect(options.db);
    const issues: { path: string; message: string }[] = [];
    if (dialect === 'sqlite' && settings.tableName.includes('.')) {
      issues.push({
        path: 'OUTBOX_STORE.OPTIONS.tableName',
        message: `SQLite takes a plain table name, got "${settings.tableName}"`,
      });
    }
    if (options.pgPool && dialect !== 'postgresql') {
      issues.push({
        path: 'OUTBOX_STORE.OPTIONS.pgPool',
        message: `is for PostgreSQL only, and this db speaks ${dialect}: remove it`,
      });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    const executor = new KyselyExecutor(options.db, dialect, { logger, pgPool: options.pgPool });
    return new SqlStoreDriver(executor, {
      ...settings,
      logger,
      migrationHint: 'or add createOutboxMigration() from @dispatch/orm-kysely to your Kysely migrations',
      transactionHint:
        'call publishEvent inside withOutboxTransaction(db, async (trx) => ...), or pass { transaction: trx } from it',
    });
  },
});
