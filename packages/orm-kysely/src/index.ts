export {
  checkVersion,
  DEFAULT_TABLE_NAME,
  defaultNotifyChannel,
  outboxSchemaSql,
  type PgPoolLike,
  type SqlDialectName,
} from '@dispatch/store-sql';
export { detectDialect } from './detect-dialect.js';
export { KyselyExecutor } from './kysely-executor.js';
export { kyselyStore } from './kysely-store.js';
export type { AnyKysely, AnyTransaction } from './kysely-types.js';
export { createOutboxMigration, type OutboxMigration, type OutboxMigrationOptions } from './migration.js';
export type { KyselyStoreOptions } from './options.js';
export { startOutboxTransaction, withOutboxTransaction } from './outbox-transaction.js';

import { kyselyStore } from './kysely-store.js';

export default kyselyStore;
