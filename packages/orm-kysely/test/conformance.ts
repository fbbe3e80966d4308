import { runStoreConformance } from '@dispatch/core/testing';
import { type ConformanceRun, conformanceOnDatabase } from '@dispatch/test-services/store-conformance';
import { kyselyStore, withOutboxTransaction } from '../src/index.js';
import { type DatabaseKind, dropOutbox, openDb, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(kind: DatabaseKind, run: ConformanceRun = {}): void {
  runStoreConformance(
    conformanceOnDatabase('kysely', kind, run, {
      open: (database) => openDb(database),
      store: (open) => ({
        definition: kyselyStore,
        options: { db: open.db },
        transaction: (work) => withOutboxTransaction(open.db, (trx) => work(trx)),
      }),
      uniqueTable,
      dropOutbox,
    }),
  );
}
