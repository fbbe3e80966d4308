export {
  checkVersion,
  DEFAULT_TABLE_NAME,
  defaultNotifyChannel,
  outboxSchemaSql,
  type PgPoolLike,
  type SqlDialectName,
} from '@dispatch/store-sql';
export { detectDialect } from './detect-dialect.js';
export type {
  PrismaStoreOptions,
  PrismaStoreTransactionOptions,
} from './options.js';
export { withOutboxTransaction } from './outbox-transaction.js';
export { PrismaExecutor } from './prisma-executor.js';
export { type OutboxPrismaSchemaOptions, outboxMigrationSql, outboxPrismaSchema } from './prisma-schema.js';
export { DEFAULT_TRANSACTION_OPTIONS, prismaStore } from './prisma-store.js';
export type {
  PrismaClientLike,
  PrismaHandle,
  TransactionClientOf,
  TransactionOptionsOf,
} from './prisma-types.js';

import { prismaStore } from './prisma-store.js';

export default prismaStore;
