import { join } from 'node:path';
import { createStore, silentLogger } from '@dispatch/core';
import { runSqlStoreSuites } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import {
  DEFAULT_TRANSACTION_OPTIONS,
  PrismaExecutor,
  prismaStore,
  withOutboxTransaction,
} from '../src/index.js';
import { dropOutbox, openDb, type TestPrisma } from './databases.js';

type Tx = Parameters<Parameters<TestPrisma['$transaction']>[0]>[0];

// The SQL store suites (claimer processes racing, commit order, key rules, transactions and
// savepoints, the table, and on PostgreSQL the claim commit and wake-ups) through Prisma.
for (const kind of SQL_DATABASES) {
  runSqlStoreSuites({
    name: `prisma (${kind})`,
    dialect: sqlDialectOf(kind),
    open: async ({ options, connections }) => {
      const open = await openDb(kind, { poolSize: connections });
      const pgPool = kind === 'postgresql' ? { pgPool: open.pgPool } : {};
      const store = await createStore(
        prismaStore,
        { prisma: open.prisma, ...pgPool, ...options },
        { logger: silentLogger },
      );
      await store.migrate();
      return {
        store,
        executor: new PrismaExecutor(open.prisma, sqlDialectOf(kind), {
          logger: silentLogger,
          own: DEFAULT_TRANSACTION_OPTIONS,
          pgPool: open.pgPool,
        }),
        transaction: (work) => withOutboxTransaction(open.prisma, (tx) => work(tx), { timeout: 60_000 }),
        // Prisma's own nested transaction: a savepoint.
        savepoint: (outer, work) => (outer as Tx).$transaction((inner) => work(inner)),
        processContext: { kind, file: open.file ?? null },
        close: async () => {
          await store.close();
          await dropOutbox(open, options.tableName);
          await open.close();
        },
      };
    },
    teardown: removeSqliteFiles,
    claimerModule: join(import.meta.dirname, 'fixtures', 'claimer-store.ts'),
    // LISTEN/NOTIFY is PostgreSQL's (with the pg Pool); the other databases rely on polling.
    capabilities: { crossProcess: true, wakeups: kind === 'postgresql', savepoints: true },
  });
}
