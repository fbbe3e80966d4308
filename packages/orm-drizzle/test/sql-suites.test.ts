import { join } from 'node:path';
import { createStore, silentLogger } from '@dispatch/core';
import { runSqlStoreSuites } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import { DrizzleExecutor, drizzleStore, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDatabase } from './databases.js';

// The SQL store suites (claimer processes racing, commit order, key rules, transactions, the
// table, and on PostgreSQL the claim commit and wake-ups) through Drizzle, on each database.
for (const name of SQL_DATABASES) {
  runSqlStoreSuites({
    name: `drizzle (${name})`,
    dialect: sqlDialectOf(name),
    open: async ({ options, connections }) => {
      const database = await openDatabase(name, { connections });
      const store = await createStore(
        drizzleStore,
        { db: database.db, ...options },
        { logger: silentLogger },
      );
      await store.migrate();
      return {
        store,
        executor: new DrizzleExecutor(database.db.$client, sqlDialectOf(name), silentLogger),
        transaction: (work) => withOutboxTransaction(database.db, (tx) => work(tx)),
        // biome-ignore lint/suspicious/noExplicitAny: the tx of whichever dialect runs.
        savepoint: (outer, work) => (outer as any).transaction((inner: unknown) => work(inner)),
        processContext: { name, file: database.file ?? null },
        close: async () => {
          await store.close();
          await dropOutbox(database, options.tableName);
          await database.close();
        },
      };
    },
    teardown: removeSqliteFiles,
    claimerModule: join(import.meta.dirname, 'fixtures', 'claimer-store.ts'),
    // LISTEN/NOTIFY is PostgreSQL's; the other databases rely on polling.
    capabilities: { crossProcess: true, wakeups: name === 'postgresql', savepoints: true },
  });
}
