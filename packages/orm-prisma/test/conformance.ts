import { runStoreConformance } from '@dispatch/core/testing';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import { prismaStore, withOutboxTransaction } from '../src/index.js';
import { type DatabaseKind, dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(
  kind: DatabaseKind,
  options: { name?: string; withPool?: boolean; storeOptions?: Record<string, unknown> } = {},
): void {
  let open: OpenDb;
  const withPool = options.withPool ?? kind === 'postgresql';
  runStoreConformance({
    name: `prisma (${options.name ?? kind})`,
    setup: async () => {
      open = await openDb(kind);
    },
    teardown: async () => {
      await open.close();
      removeSqliteFiles();
    },
    store: async () => {
      const tableName = uniqueTable('conf');
      return {
        definition: prismaStore,
        options: {
          prisma: open.prisma,
          tableName,
          ...(withPool ? { pgPool: open.pgPool } : {}),
          ...options.storeOptions,
        },
        // The way Prisma users open a transaction the store can write in.
        transaction: (work) => withOutboxTransaction(open.prisma, (tx) => work(tx)),
        cleanup: () => dropOutbox(open, tableName),
      };
    },
    // LISTEN/NOTIFY is PostgreSQL's, and needs the pg Pool; the other databases rely on polling.
  });
}
