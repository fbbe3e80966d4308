export { DEFAULT_TABLE_NAME, defaultNotifyChannel, outboxSchemaSql } from '@dispatch/store-sql';
export { detectDialect } from './detect-driver.js';
export { DrizzleExecutor, isMissingTableError } from './drizzle-executor.js';
export { drizzleStore } from './drizzle-store.js';
export { DrizzleStoreDriver } from './drizzle-store-driver.js';
export type { DrizzleStoreOptions } from './options.js';
export { outboxKeyLocksTableMysql, outboxTableMysql } from './outbox-table-mysql.js';
export { outboxTablePg } from './outbox-table-pg.js';
export { outboxTableSqlite } from './outbox-table-sqlite.js';
export {
  type DrizzleDatabaseLike,
  type DrizzleTransactionConfigOf,
  type DrizzleTransactionOf,
  withOutboxTransaction,
} from './outbox-transaction.js';

import { drizzleStore } from './drizzle-store.js';

export default drizzleStore;
