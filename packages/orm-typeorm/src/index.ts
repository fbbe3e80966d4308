export {
  checkVersion,
  DEFAULT_TABLE_NAME,
  defaultNotifyChannel,
  outboxSchemaSql,
  type SqlDialectName,
} from '@dispatch/store-sql';
export { detectDialect } from './detect-dialect.js';
export {
  createOutboxMigration,
  type OutboxMigrationClass,
  type OutboxMigrationOptions,
} from './migration.js';
export type { TypeOrmStoreOptions } from './options.js';
export { createOutboxEntity, type OutboxEntityOptions, type OutboxEventRecord } from './outbox-entity.js';
export { TypeOrmExecutor } from './typeorm-executor.js';
export { typeormStore } from './typeorm-store.js';

import { typeormStore } from './typeorm-store.js';

export default typeormStore;
