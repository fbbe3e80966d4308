import { ConfigError, defineStore } from '@dispatch/core';
import { resolveSqlStoreOptions, SqlStoreDriver, sqlStoreCapabilities } from '@dispatch/store-sql';
import { detectDialect } from './detect-dialect.js';
import { optionsSchema, type PrismaStoreOptions } from './options.js';
import { PrismaExecutor } from './prisma-executor.js';

/** Defaults of `transactionOptions`: long enough for a claim waiting behind a caller on SQLite. */
export const DEFAULT_TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

/**
 * The Prisma outbox store: `OUTBOX_STORE: { STORE: '@dispatch/orm-prisma', OPTIONS: { prisma } }`.
 * Creating it does no I/O; `connect()` checks the database version and the table.
 */
export const prismaStore = defineStore<PrismaStoreOptions, PrismaStoreOptions>({
  type: 'prisma',
  options: optionsSchema,
  // Prisma cannot hold a LISTEN connection: wake-ups only with `pgPool`.
  capabilities: (options) =>
    sqlStoreCapabilities({
      dialect: () => options.dialect ?? detectDialect(options.prisma),
      notifyChannel: options.notifyChannel,
      listens: options.pgPool !== undefined,
    }),
  create(options, { logger }) {
    const settings = resolveSqlStoreOptions(options);
    const dialect = options.dialect ?? detectDialect(options.prisma);
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
        message: `is for PostgreSQL only, and this client speaks ${dialect}: remove it`,
      });
    }
    if (issues.length > 0) throw new ConfigError(issues);
    const executor = new PrismaExecutor(options.prisma, dialect, {
      logger,
      pgPool: options.pgPool,
      own: {
        maxWait: options.transactionOptions?.maxWait ?? DEFAULT_TRANSACTION_OPTIONS.maxWait,
        timeout: options.transactionOptions?.timeout ?? DEFAULT_TRANSACTION_OPTIONS.timeout,
      },
    });
    return new SqlStoreDriver(executor, {
      ...settings,
      logger,
      migrationHint: `or apply the Prisma Migrate SQL for ${dialect} that @dispatch/orm-prisma ships in prisma/${dialect}`,
      transactionHint:
        'call publishEvent inside withOutboxTransaction(prisma, async (tx) => ...) from @dispatch/orm-prisma, or pass { transaction: tx } from it',
    });
  },
});
