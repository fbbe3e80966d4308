import { runStoreConformance } from '@dispatch/core/testing';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import { drizzleStore, withOutboxTransaction } from '../src/index.js';
import { type DatabaseName, dropOutbox, openDatabase, type TestDatabase, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(
  name: DatabaseName,
  options: { title?: string; storeOptions?: Record<string, unknown> } = {},
): void {
  let database: TestDatabase;
  runStoreConformance({
    name: `drizzle (${options.title ?? name})`,
    setup: async () => {
      database = await openDatabase(name);
    },
    teardown: async () => {
      await database.close();
      removeSqliteFiles();
    },
    store: async () => {
      const tableName = uniqueTable('conf');
      return {
        definition: drizzleStore,
        options: { db: database.db, tableName, ...options.storeOptions },
        // The way Drizzle users open a transaction the store can write in.
        transaction: (work) => withOutboxTransaction(database.db, (tx) => work(tx)),
        cleanup: () => dropOutbox(database, tableName),
      };
    },
    // LISTEN/NOTIFY is PostgreSQL's; the other databases rely on polling.
  });
}
