export { sqlStoreCapabilities } from './capabilities.js';
export { CommitCallbacks, type TransactionStatus } from './commit-callbacks.js';
export type { SqlDialect } from './dialect.js';
export { dialectFor } from './dialects.js';
export type {
  CallerTransaction,
  ListenRequest,
  SqlDialectName,
  SqlExecutor,
  SqlRow,
} from './executor.js';
export { isMissingTableError } from './missing-table.js';
export { KEY_LOCK_BUCKETS } from './mysql.js';
export {
  defaultNotifyChannel,
  dialectOptionField,
  resolveSqlStoreOptions,
  type SqlStoreOptions,
  sqlStoreOptionFields,
} from './options.js';
export { type OutboxSchemaSqlOptions, outboxSchemaSql } from './outbox-schema.js';
export { listenWithPgClient, type PgListenClient } from './pg-listen.js';
export { PgPoolAccess, type PgPoolAccessLabels, type PgPoolLike } from './pg-pool-access.js';
export {
  definePgPoolSqlStore,
  type PgPoolSqlStoreSpec,
  type PgPoolStoreOptions,
  pgPoolStoreOptionFields,
} from './pg-pool-store.js';
export {
  RegisteredTransactionExecutor,
  type RegisteredTransactionRules,
} from './registered-transaction-executor.js';
export { ALL_COLUMNS, INSERT_COLUMNS } from './row-mapping.js';
export { DEFAULT_TABLE_NAME, type OutboxEventRecord, type TableNames, tableNames } from './schema.js';
export { SqlStoreDriver, type SqlStoreSettings } from './sql-store.js';
export { numberedPlaceholders, questionPlaceholders } from './sql-text.js';
export { SLOW_CLAIM_MS, StatisticsKeeper } from './statistics-keeper.js';
export { type RegisteredBinding, TransactionRegistry } from './transaction-registry.js';
export { checkVersion } from './version.js';
