import type { ClaimRequest, NewEvent } from '@dispatch/core';
import type { SqlDialectName, SqlRow } from './executor.js';
import type { TableNames } from './schema.js';
import type { SqlTable } from './sql-table.js';

/** Rows per INSERT statement, so one huge batch never builds a giant SQL string. */
export const INSERT_CHUNK = 500;

/**
 * What differs between databases: syntax, DDL, and the statements whose shape depends on what the
 * database can do (RETURNING, SKIP LOCKED in a CTE, advisory locks). One file per database.
 */
export interface SqlDialect {
  readonly name: SqlDialectName;
  /** Quote an identifier, `schema.table` included. */
  quote(name: string): string;
  /** A statement written with `?` placeholders, in this database's own placeholder style. */
  render(sql: string): string;
  /**
   * A placeholder for a 64-bit integer where the database cannot infer the type from its place
   * (a CASE branch): PostgreSQL would otherwise read it as text.
   */
  int(placeholder: string): string;
  /** The database clock as epoch milliseconds; stable within one statement. */
  readonly now: string;
  /** UPDATE ... RETURNING works (else the store tags rows to learn which it changed). */
  readonly returning: boolean;
  /**
   * `history` with one `{ at, error }` entry appended (at = `now`), keeping the newest
   * `MAX_ATTEMPT_HISTORY`. Each write appends one entry, so dropping the first is enough.
   */
  appendHistorySql(now: string, error: string): string;
  /** A query answering the server version as column `n`. */
  readonly versionSql: string;
  /** Idempotent DDL for the table and its indexes (and the key-lock table where needed). */
  createTableSql(names: TableNames): string[];
  dropTableSql(names: TableNames): string[];
  /** Whether a write outside the caller's transaction needs a transaction of the store's own. */
  insertNeedsTransaction(events: readonly NewEvent[]): boolean;
  /**
   * Insert one chunk of events. `keys` are the batch's ordering keys on the first chunk (lock them
   * so a key's rows get their sequence numbers in commit order), empty on later chunks. `notify`:
   * queue the wake-up in the statement (PostgreSQL), for a write that commits on its own; a write
   * in a caller's transaction is notified after its commit instead (`CommitNotifier`).
   */
  insert(
    table: SqlTable,
    events: readonly NewEvent[],
    keys: readonly string[],
    trx: unknown,
    notify: boolean,
  ): Promise<void>;
  /** Lease due events as key runs (see `StoreDriver.claim`); rows as leased. */
  claim(table: SqlTable, request: ClaimRequest): Promise<SqlRow[]>;
  /** A bounded DELETE of rows matching `where` (its last placeholder is the limit). */
  cleanupSql(t: string, where: string): string;
  /** Steps after the DDL (MariaDB/MySQL: add indexes an older table lacks, fill the lock table). */
  migrate?(table: SqlTable): Promise<void>;
  /** The names of the table's indexes, so `migrate` can tell whether it changed anything. */
  indexNamesSql(names: TableNames): { sql: string; params: unknown[] };
  /** Checks after the column check in `connect` (MariaDB/MySQL: the lock table is filled). */
  verify?(table: SqlTable, trx: unknown): Promise<void>;
  /** A faster write of `published` outcomes; undefined when it cannot be used. */
  recordPublished?(table: SqlTable, owner: string, ids: readonly string[]): Promise<Set<string> | undefined>;
}
