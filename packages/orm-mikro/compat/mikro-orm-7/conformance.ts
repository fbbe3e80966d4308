import { runStoreConformance } from '@dispatch/core/testing';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import { expect, it } from 'vitest';
import { type Database, dropTables, openOrm, uniqueTable } from './databases.js';

/** The store conformance suite on MikroORM 7, one database, a fresh table per test. */
export function runConformanceOn(db: Database): void {
  let orm: Awaited<ReturnType<typeof openOrm>>;

  it('runs MikroORM 7 on Node 22', async () => {
    expect(process.versions.node.split('.')[0]).toBe('22');
    const { version } = await import('@mikro-orm/core/package.json', { with: { type: 'json' } });
    expect(version).toMatch(/^7\./);
  });

  runStoreConformance({
    name: `mikro-orm 7 (${db})`,
    setup: async () => {
      orm = await openOrm(db);
    },
    teardown: async () => {
      await orm.close(true);
    },
    store: async () => {
      const tableName = uniqueTable('conf');
      return {
        definition: mikroOrmStore,
        options: { orm, tableName },
        transaction: (work) => orm.em.fork().transactional((em) => work(em)),
        cleanup: () => dropTables(orm, tableName, `${tableName}_key_locks`),
      };
    },
    // LISTEN/NOTIFY is PostgreSQL's.
    capabilities: { transactions: true, wakeups: db === 'postgresql' },
  });
}
