import { defineStore, InvalidArgumentError } from '@dispatch/core';
import { detectDialect } from './detect-dialect.js';
import { MikroOrmStoreDriver } from './mikro-orm-store-driver.js';
import {
  DEFAULT_TABLE_NAME,
  defaultNotifyChannel,
  type MikroOrmStoreOptions,
  optionsSchema,
} from './options.js';
import type { EntityManagerLike } from './orm-types.js';

/**
 * The MikroORM outbox store: `OUTBOX_STORE: { BACKEND: '@dispatch/orm-mikro', OPTIONS: { orm } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const mikroOrmStore = defineStore<MikroOrmStoreOptions>({
  type: 'mikro-orm',
  options: optionsSchema,
  create(options, context) {
    const em = options.orm.em as EntityManagerLike;
    const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
    const kind = detectDialect(em);
    if (kind === 'sqlite' && tableName.includes('.')) {
      throw new InvalidArgumentError(
        `OUTBOX_STORE.OPTIONS.tableName: SQLite takes a plain table name, got "${tableName}"`,
      );
    }
    return new MikroOrmStoreDriver({
      em,
      kind,
      tableName,
      requireTransaction: options.requireTransaction ?? false,
      notifyChannel: options.notifyChannel ?? defaultNotifyChannel(tableName),
      preparedStatements: options.preparedStatements ?? true,
      analyzeWhenStale: options.analyzeWhenStale ?? true,
      logger: context.logger,
    });
  },
});
