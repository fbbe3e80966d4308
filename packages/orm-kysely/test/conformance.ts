import { runStoreConformance } from '@dispatch/core/testing';
import { kyselyStore, withOutboxTransaction } from '../src/index.js';
import { type DatabaseKind, dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(
  kind: DatabaseKind,
  options: { name?: string; withPool?: boolean; storeOptions?: Record<string, unknown> } = {},
): void {
  let open: OpenDb;
  const withPool = options.withPool ?? kind === 'postgresql';
  runStoreConformance({
    name: `kysely (${options.name ?? kind})`,
    setup: async () => {
      open = await openDb(kind);
    },
    teardown: () => open.close(),
    store: async () => {
      const tableName = uniqueTable('conf');
      return {
        definition: kyselyStore,
        options: {
          db: open.db,
          tableName,
          ...(withPool ? { pgPool: open.pgPool } : {}),
          ...options.storeOptions,
        },
        transaction: (work) => withOutboxTransaction(open.db, (trx) => work(trx)),
        cleanup: () => dropOutbox(open, tableName),
      };
    },
    // LISTEN/NOTIFY is PostgreSQL's, and needs the pg Pool; the other databases rely on polling.
  });
}
