import { join } from 'node:path';
import { createStore, silentLogger } from '@dispatch/core';
import { runSqlStoreSuites } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import type { EntityManager } from 'typeorm';
import { TypeOrmExecutor, typeormStore } from '../src/index.js';
import { dropOutbox, fileOf, openDataSource } from './databases.js';

// The SQL store suites (claimer processes racing, commit order, key rules, caller transactions and
// savepoints, the table, and on PostgreSQL the claim commit and wake-ups) through TypeORM.
for (const db of SQL_DATABASES) {
  runSqlStoreSuites({
    name: `typeorm (${db})`,
    dialect: sqlDialectOf(db),
    open: async ({ options, connections }) => {
      const dataSource = await openDataSource(db, { connections });
      const store = await createStore(typeormStore, { dataSource, ...options }, { logger: silentLogger });
      await store.migrate();
      return {
        store,
        executor: new TypeOrmExecutor(dataSource, sqlDialectOf(db), silentLogger),
        transaction: (work) => dataSource.transaction((manager: EntityManager) => work(manager)),
        // A transaction inside another is a savepoint in TypeORM.
        savepoint: (outer, work) => (outer as EntityManager).transaction((nested) => work(nested)),
        processContext: { db, file: fileOf(dataSource) },
        close: async () => {
          await store.close();
          await dropOutbox(dataSource, db, options.tableName);
          await dataSource.destroy();
        },
      };
    },
    teardown: removeSqliteFiles,
    claimerModule: join(import.meta.dirname, 'fixtures', 'claimer-store.ts'),
    // LISTEN/NOTIFY is PostgreSQL's (through TypeORM's pg driver); the other databases poll.
    capabilities: { crossProcess: true, wakeups: db === 'postgresql', savepoints: true },
  });
}
