import type { OutboxStore } from '@dispatch/core';
import type { SqlDialectName, SqlExecutor } from '../executor.js';
import type { SqlStoreOptions } from '../options.js';

/** What one group of the suites asks the adapter to open. */
export interface SqlStoreRequest {
  /**
   * The store's options for this group: a fresh table name chosen by the suites (on PostgreSQL and
   * MariaDB/MySQL possibly schema-qualified) and any option the group tests. Spread them into the
   * store's options.
   */
  options: SqlStoreOptions & { tableName: string };
  /**
   * Pooled connections the group needs: `1` means every statement outside a transaction runs on
   * the same connection (the PostgreSQL claim-commit group checks that connection's settings);
   * the ordering group asks for 12 (6 producers holding transactions while 3 claimers run).
   * SQLite has one connection and ignores it.
   * @default the adapter's own pool size
   */
  connections?: number | undefined;
}

/** A store the adapter opened for one group of the suites. */
export interface SqlStoreUnderTest {
  /** Created (`createStore`) and migrated, on the table of `request.options.tableName`. */
  store: OutboxStore;
  /**
   * The executor the store runs on, or another of the same adapter on the same connections: the
   * suites run raw SQL with it, in a caller's transaction through
   * `callerTransaction(transaction).handle`.
   */
  executor: SqlExecutor;
  /**
   * Run `work` in a caller's transaction the way the ORM's users do (commit when it resolves, roll
   * back when it throws); `work` gets what users pass to `publishEvent` as `{ transaction }`.
   */
  transaction<T>(work: (transaction: unknown) => Promise<T>): Promise<T>;
  /**
   * Needed with the `savepoints` capability: run `work` in a transaction nested in `transaction`
   * (a savepoint), the way the ORM nests them; `work` gets the nested transaction.
   */
  savepoint?: (<T>(transaction: unknown, work: (nested: unknown) => Promise<T>) => Promise<T>) | undefined;
  /**
   * Needed with the `crossProcess` capability when a process cannot find the database on its own:
   * JSON-serializable facts the claimer module needs to reach the same database (for SQLite, the
   * file's path). The claimer module's default export receives it as `context`.
   */
  processContext?: unknown;
  /** Close the store, drop its tables and release whatever `open` opened. */
  close(): Promise<void>;
}

/** What the adapter declares; groups run or skip from these, never from lists of adapters. */
export interface SqlStoreCapabilities {
  /**
   * Claimer processes can open the store on the same database through `claimerModule`: the
   * cross-process race group.
   * @default false
   */
  crossProcess?: boolean | undefined;
  /**
   * PostgreSQL LISTEN/NOTIFY wake-ups (the executor has `listen`): the wake-up group.
   * @default false
   */
  wakeups?: boolean | undefined;
  /**
   * Transactions nest (savepoints) through `savepoint`: the savepoint group.
   * @default false
   */
  savepoints?: boolean | undefined;
}

export interface SqlStoreSuiteOptions {
  /** Suite title: the adapter and the database, e.g. `kysely (mariadb)`. */
  name: string;
  /** The SQL family of the database under test (MariaDB is `mysql`). */
  dialect: SqlDialectName;
  /** Open a migrated store on the table in `request.options.tableName`; called once per group. */
  open(request: SqlStoreRequest): Promise<SqlStoreUnderTest>;
  capabilities?: SqlStoreCapabilities | undefined;
  /**
   * Needed with the `crossProcess` capability: the absolute path of a module whose default export
   * is an `OpenClaimerStore`. The suites start it in claimer processes with `node`, through tsx
   * when it is TypeScript (tsx must then resolve from the module's folder).
   */
  claimerModule?: string | undefined;
  /** Run once before the groups (open a shared pool, for instance). */
  setup?: (() => Promise<void> | void) | undefined;
  /** Run once after the groups (close what `setup` opened, remove temporary files). */
  teardown?: (() => Promise<void> | void) | undefined;
}

/** What a claimer process passes to the claimer module's default export. */
export interface ClaimerStoreRequest {
  /** The outbox table, already migrated by the test: open the store on it and do not migrate. */
  tableName: string;
  dialect: SqlDialectName;
  /** The `processContext` of the store the test opened, as JSON. */
  context: unknown;
}

/** The store a claimer process runs on, and how to release it (never drop the table). */
export interface ClaimerStore {
  store: OutboxStore;
  close(): Promise<void>;
}

/** The default export of `claimerModule`. */
export type OpenClaimerStore = (request: ClaimerStoreRequest) => Promise<ClaimerStore>;
