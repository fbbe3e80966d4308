export { detectDialect } from './detect-dialect.js';
export { mikroOrmStore } from './mikro-orm-store.js';
export { MikroOrmStoreDriver } from './mikro-orm-store-driver.js';
export {
  DEFAULT_TABLE_NAME,
  defaultNotifyChannel,
  type MikroOrmLike,
  type MikroOrmStoreOptions,
} from './options.js';
export { createOutboxEntity, type OutboxEventRecord } from './outbox-entity.js';
export { outboxSchemaSql } from './outbox-schema.js';
export { checkVersion, type DialectKind } from './version.js';

import { mikroOrmStore } from './mikro-orm-store.js';

export default mikroOrmStore;
