import { runStoreConformance } from '@dispatch/core/testing';
import { type ConformanceRun, conformanceOnDatabase } from '@dispatch/test-services/store-conformance';
import { prismaStore, withOutboxTransaction } from '../src/index.js';
import { type DatabaseKind, dropOutbox, openDb, uniqueTable } from './databases.js';

/** The store conformance suite on one database, a fresh table per test. */
export function runConformanceOn(kind: DatabaseKind, run: ConformanceRun = {}): void {
  runStoreConformance(
    conformanceOnDatabase('prisma', kind, run, {
      open: (database) => openDb(database),
      store: (open) => ({
        definition: prismaStore,
        options: { prisma: open.prisma },
        // The way Prisma users open a transaction the store can write in.
        transaction: (work) => withOutboxTransaction(open.prisma, (tx) => work(tx)),
      }),
      uniqueTable,
      dropOutbox,
    }),
  );
}
