import { join } from 'node:path';
import { createStore, silentLogger } from '@dispatch/core';
import { runSqlStoreSuites } from '@dispatch/store-sql/testing';
import { SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import { type AnyTransaction, KyselyExecutor, kyselyStore, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDb } from './databases.js';

// The SQL store suites (claimer processes racing, commit order, key rules, caller transactions,
// the table, and on PostgreSQL the claim commit and wake-ups) through Kysely, on each database.
for (const kind of SQL_DATABASES) {
  runSqlStoreSuites({
    name: `kysely (${kind})`,
    dialect: sqlDialectOf(kind),
    open: async ({ options, connections }) => {
      const open = await openDb(kind, { poolSize: connections });
      const storeOptions = { db: open.db, pgPool: open.pgPool, ...options };
      const store = await createStore(kyselyStore, storeOptions, { logger: silentLogger });
      await store.migrate();
      return {
        store,
        executor: new KyselyExecutor(open.db, sqlDialectOf(kind), {
          logger: silentLogger,
          pgPool: open.pgPool,
        }),
        transaction: (work) => withOutboxTransaction(open.db, (trx) => work(trx)),
        savepoint: (outer, work) => withOutboxTransaction(outer as AnyTransaction, (trx) => work(trx)),
        processContext: { kind, file: open.file ?? null },
        close: async () => {
          await store.close();
          await dropOutbox(open, options.tableName);
          await open.close();
        },
      };
    },
    claimerModule: join(import.meta.dirname, 'fixtures', 'claimer-store.ts'),
    // LISTEN/NOTIFY is PostgreSQL's (through the pg Pool); the other databases rely on polling.
    capabilities: { crossProcess: true, wakeups: kind === 'postgresql', savepoints: true },
  });
}
