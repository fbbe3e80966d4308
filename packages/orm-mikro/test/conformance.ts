import { runStoreConformance } from '@dispatch/core/testing';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import type { MikroORM } from '@mikro-orm/core';
import { mikroOrmStore } from '../src/index.js';
import { type Database, dropOutbox, openOrm, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(
  db: Database,
  options: { name?: string; storeOptions?: Record<string, unknown> } = {},
): void {
  let orm: MikroORM;
  runStoreConformance({
    name: `mikro-orm (${options.name ?? db})`,
    setup: async () => {
      orm = await openOrm(db);
    },
    teardown: async () => {
      await orm.close(true);
      if (db === 'sqlite') removeSqliteFiles();
    },
    store: async () => {
      const tableName = uniqueTable('conf');
      return {
        definition: mikroOrmStore,
        options: { orm, tableName, ...options.storeOptions },
        transaction: (work) => orm.em.fork().transactional((em) => work(em)),
        cleanup: () => dropOutbox(orm, db, tableName),
      };
    },
    // LISTEN/NOTIFY is PostgreSQL's; the other databases rely on polling.
  });
}
