import { definePgPoolSqlStore } from '@dispatch/store-sql';
import { detectDialect } from './detect-dialect.js';
import { optionsSchema, type PrismaStoreOptions } from './options.js';
import { PrismaExecutor } from './prisma-executor.js';

/** Defaults of `transactionOptions`: long enough for a claim waiting behind a caller on SQLite. */
export const DEFAULT_TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

/**
 * The Prisma outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-prisma', OPTIONS: { prisma } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const prismaStore = definePgPoolSqlStore<PrismaStoreOptions>({
  type: 'prisma',
  options: optionsSchema,
  detectDialect: (options) => detectDialect(options.prisma),
  handleNoun: 'client',
  executor: (options, dialect, logger) =>
    new PrismaExecutor(options.prisma, dialect, {
      logger,
      pgPool: options.pgPool,
      own: {
        maxWait: options.transactionOptions?.maxWait ?? DEFAULT_TRANSACTION_OPTIONS.maxWait,
        timeout: options.transactionOptions?.timeout ?? DEFAULT_TRANSACTION_OPTIONS.timeout,
      },
    }),
  migrationHint: (dialect) =>
    `or apply the Prisma Migrate SQL for ${dialect} that @dispatch/orm-prisma ships in prisma/${dialect}`,
  transactionHint:
    'call publishEvent inside withOutboxTransaction(prisma, async (tx) => ...) from @dispatch/orm-prisma, or pass { transaction: tx } from it',
});
