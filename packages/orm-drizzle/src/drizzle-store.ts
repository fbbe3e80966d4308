import { defineStore, InvalidArgumentError } from '@dispatch/core';
import { resolveSqlStoreOptions, sqlStoreCapabilities } from '@dispatch/store-sql';
import { detectDialect } from './detect-driver.js';
import { DrizzleStoreDriver } from './drizzle-store-driver.js';
import { type DrizzleStoreOptions, optionsSchema } from './options.js';

/**
 * The Drizzle outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-drizzle', OPTIONS: { db } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const drizzleStore = defineStore<DrizzleStoreOptions, DrizzleStoreOptions>({
  type: 'drizzle',
  options: optionsSchema,
  capabilities: (options) =>
    sqlStoreCapabilities({
      dialect: () => detectDialect(options.db, options.dialect),
      notifyChannel: options.notifyChannel,
    }),
  create(options, context) {
    const dialect = detectDialect(options.db, options.dialect);
    const settings = resolveSqlStoreOptions(options);
    if (dialect === 'sqlite' && settings.tableName.includes('.')) {
      throw new InvalidArgumentError(
        `OUTBOX_STORE.OPTIONS.tableName: SQLite takes a plain table name, got "${settings.tableName}"`,
      );
    }
    return new DrizzleStoreDriver({
      client: options.db.$client as object,
      dialect,
      ...settings,
      logger: context.logger,
    });
  },
});
