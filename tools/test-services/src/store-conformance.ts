import type { StoreDefinition } from '@dispatch/core';
import type { StoreConformanceOptions } from '@dispatch/core/testing';
import { type OpenSqlDatabase, removeSqliteFiles, type SqlDatabaseName } from './sql-databases.js';

/** What a test file asks of one run of the store conformance suite. */
export interface ConformanceRun {
  /** The database as the title shows it. @default the database's name */
  name?: string | undefined;
  /** Pass the client's pg Pool as `pgPool`. @default on PostgreSQL */
  withPool?: boolean | undefined;
  /** Store options added last, over the others. */
  storeOptions?: Record<string, unknown> | undefined;
}

/** How an ORM's tests open their client and the store on it. */
export interface ConformanceWiring<Open extends OpenSqlDatabase> {
  /** Open the ORM's client on the database, once for the suite. */
  open(kind: SqlDatabaseName): Promise<Open>;
  /** The store, its options for `open` (the client; the table name is added) and a transaction. */
  store(open: Open): {
    definition: StoreDefinition;
    options: Record<string, unknown>;
    transaction<T>(work: (transaction: unknown) => Promise<T>): Promise<T>;
  };
  uniqueTable(prefix: string): string;
  dropOutbox(open: Open, tableName: string): Promise<void>;
}

/**
 * The options of `runStoreConformance` (`@dispatch/core/testing`) for the store of `orm` on the
 * `kind` test database: a fresh table per test, dropped after it, the client closed after the suite.
 */
export function conformanceOnDatabase<Open extends OpenSqlDatabase>(
  orm: string,
  kind: SqlDatabaseName,
  run: ConformanceRun,
  wiring: ConformanceWiring<Open>,
): StoreConformanceOptions {
  // LISTEN/NOTIFY is PostgreSQL's, and needs the pg Pool; the other databases rely on polling.
  const withPool = run.withPool ?? kind === 'postgresql';
  let open: Open;
  return {
    name: `${orm} (${run.name ?? kind})`,
    setup: async () => {
      open = await wiring.open(kind);
    },
    teardown: async () => {
      await open.close();
      removeSqliteFiles();
    },
    store: async () => {
      const tableName = wiring.uniqueTable('conf');
      const { definition, options, transaction } = wiring.store(open);
      return {
        definition,
        options: { ...options, tableName, ...(withPool ? { pgPool: open.pgPool } : {}), ...run.storeOptions },
        transaction,
        cleanup: () => wiring.dropOutbox(open, tableName),
      };
    },
  };
}
