import { definePgPoolSqlStore } from '@dispatch/store-sql';
import { detectDialect } from './detect-dialect.js';
import { KyselyExecutor } from './kysely-executor.js';
import { type KyselyStoreOptions, optionsSchema } from './options.js';

/**
 * The Kysely outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-kysely', OPTIONS: { db } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const kyselyStore = definePgPoolSqlStore<KyselyStoreOptions>({
  type: 'kysely',
  options: optionsSchema,
  detectDialect: (options) => detectDialect(options.db),
  handleNoun: 'db',
  executor: (options, dialect, logger) =>
    new KyselyExecutor(options.db, dialect, { logger, pgPool: options.pgPool }),
  migrationHint: () => 'or add createOutboxMigration() from @dispatch/orm-kysely to your Kysely migrations',
  transactionHint:
    'call publishEvent inside withOutboxTransaction(db, async (trx) => ...), or pass { transaction: trx } from it',
});
