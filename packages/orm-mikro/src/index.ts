export { checkVersion, DEFAULT_TABLE_NAME, defaultNotifyChannel } from '@dispatch/store-sql';
export { type DialectKind, detectDialect } from './detect-dialect.js';
export { MikroOrmExecutor } from './mikro-orm-executor.js';
export { mikroOrmStore } from './mikro-orm-store.js';
export { MikroOrmStoreDriver } from './mikro-orm-store-driver.js';
export type { MikroOrmLike, MikroOrmStoreOptions } from './options.js';
export { createOutboxEntity, type OutboxEventRecord } from './outbox-entity.js';
export { outboxSchemaSql } from './outbox-schema.js';

import { mikroOrmStore } from './mikro-orm-store.js';

export default mikroOrmStore;
