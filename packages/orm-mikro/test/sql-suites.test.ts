import { join } from 'node:path';
import { createStore, silentLogger } from '@dispatch/core';
import { runSqlStoreSuites } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import type { EntityManager } from '@mikro-orm/core';
import { MikroOrmExecutor, mikroOrmStore } from '../src/index.js';
import { dialectOf, dropOutbox, openOrm } from './databases.js';

// The SQL store suites (claimer processes racing, commit order, key rules, transactions, the
// table, and on PostgreSQL the claim commit and wake-ups) through MikroORM, on each database.
for (const db of SQL_DATABASES) {
  runSqlStoreSuites({
    name: `mikro-orm (${db})`,
    dialect: dialectOf(db),
    open: async ({ options, connections }) => {
      const pool =
        connections && db !== 'sqlite' ? { pool: { min: connections === 1 ? 1 : 0, max: connections } } : {};
      const orm = await openOrm(db, pool);
      const store = await createStore(mikroOrmStore, { orm, ...options }, { logger: silentLogger });
      await store.migrate();
      return {
        store,
        executor: new MikroOrmExecutor(orm.em, dialectOf(db), silentLogger),
        transaction: (work) => orm.em.fork().transactional((em) => work(em)),
        savepoint: (outer, work) => (outer as EntityManager).transactional((em) => work(em)),
        processContext: { db, file: db === 'sqlite' ? orm.config.get('dbName') : null },
        close: async () => {
          await store.close();
          await dropOutbox(orm, db, options.tableName);
          await orm.close(true);
        },
      };
    },
    teardown: removeSqliteFiles,
    claimerModule: join(import.meta.dirname, 'fixtures', 'claimer-store.ts'),
    // LISTEN/NOTIFY is PostgreSQL's; the other databases rely on polling.
    capabilities: { crossProcess: true, wakeups: db === 'postgresql', savepoints: true },
  });
}
