import { runStoreConformance } from '@dispatch/core/testing';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import type { DataSource, EntityManager } from 'typeorm';
import { typeormStore } from '../src/index.js';
import { type DatabaseName, dropOutbox, openDataSource, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(
  name: DatabaseName,
  options: { title?: string; storeOptions?: Record<string, unknown> } = {},
): void {
  let dataSource: DataSource;
  runStoreConformance({
    name: `typeorm (${options.title ?? name})`,
    setup: async () => {
      dataSource = await openDataSource(name);
    },
    teardown: async () => {
      await dataSource.destroy();
      removeSqliteFiles();
    },
    store: async () => {
      const tableName = uniqueTable('conf');
      return {
        definition: typeormStore,
        options: { dataSource, tableName, ...options.storeOptions },
        // The way TypeORM users open a transaction: the callback's manager is the transaction.
        transaction: (work) => dataSource.transaction((manager: EntityManager) => work(manager)),
        cleanup: () => dropOutbox(dataSource, name, tableName),
      };
    },
    // LISTEN/NOTIFY is PostgreSQL's; the other databases rely on polling.
  });
}
