import { defineStore, InvalidArgumentError } from '@dispatch/core';
import { resolveSqlStoreOptions, sqlStoreCapabilities } from '@dispatch/store-sql';
import { detectDialect } from './detect-dialect.js';
import { MikroOrmStoreDriver } from './mikro-orm-store-driver.js';
import { type MikroOrmStoreOptions, optionsSchema } from './options.js';
import type { EntityManagerLike } from './orm-types.js';

/**
 * The MikroORM outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-mikro', OPTIONS: { orm } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const mikroOrmStore = defineStore<MikroOrmStoreOptions, MikroOrmStoreOptions>({
  type: 'mikro-orm',
  options: optionsSchema,
  capabilities: (options) =>
    sqlStoreCapabilities({
      dialect: () => detectDialect(options.orm.em as EntityManagerLike),
      notifyChannel: options.notifyChannel,
    }),
  create(options, context) {
    const em = options.orm.em as EntityManagerLike;
    const settings = resolveSqlStoreOptions(options);
    const kind = detectDialect(em);
    if (kind === 'sqlite' && settings.tableName.includes('.')) {
      throw new InvalidArgumentError(
        `OUTBOX_STORE.OPTIONS.tableName: SQLite takes a plain table name, got "${settings.tableName}"`,
      );
    }
    return new MikroOrmStoreDriver({ em, kind, ...settings, logger: context.logger });
  },
});
