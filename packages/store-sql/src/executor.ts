/** The SQL families the store speaks. */
export type SqlDialectName = 'postgresql' | 'mysql' | 'sqlite';

export type SqlRow = Record<string, unknown>;

/** A caller's open transaction that the store writes into. */
export interface CallerTransaction {
  /** What `query`/`run` take as their `transaction` argument to run in this transaction. */
  handle: unknown;
  /**
   * Call `callback` once this transaction, and every transaction around it, has committed; never
   * when it rolls back (a rolled-back savepoint drops its callbacks too).
   */
  onCommit(callback: () => void): void;
}

/** What `listen` is given: the statement to run on its own connection and where to report. */
export interface ListenRequest {
  /** `LISTEN "<channel>"`, quoted by the dialect. */
  sql: string;
  channel: string;
  /** A notification on `channel` arrived. */
  onNotify(): void;
  /** The connection closed or failed; the store opens a new one. */
  onLost(error?: Error): void;
}

/**
 * The few things an ORM adapter gives the SQL store. Statements come rendered for the dialect:
 * placeholders in its own style (`$1`, `$2` on PostgreSQL, `?` on MariaDB/MySQL and SQLite) and
 * identifiers already quoted; values are strings, numbers or null.
 */
export interface SqlExecutor {
  readonly dialect: SqlDialectName;
  /**
   * Run a statement that returns rows (SELECT, or a write with RETURNING): in `transaction` (a
   * handle from `transaction()` or `callerTransaction()`), else on a connection of the store's own,
   * committing on its own.
   */
  query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]>;
  /** Run a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number>;
  /** Run `work` in a transaction of the store's own: commit when it resolves, roll back when it throws. */
  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T>;
  /**
   * The caller's transaction for a write: `explicit` is what the caller passed as
   * `{ transaction }` (throw `InvalidArgumentError` when it is not something this ORM knows);
   * when it is undefined, the transaction the ORM tracks for this call (an ambient one), if any.
   * Undefined when there is none: the store then writes on its own.
   */
  callerTransaction(explicit: unknown): CallerTransaction | undefined;
  /** Whether `error` says the table does not exist (the store then asks for `dispatch migrate`). */
  isMissingTable(error: unknown): boolean;
  /**
   * Optional, PostgreSQL: run a named prepared statement outside any caller's transaction, so its
   * plan is reused. Resolve undefined when the driver offers no way to (the store falls back to `query`).
   */
  prepared?(name: string, sql: string, params: readonly unknown[]): Promise<SqlRow[] | undefined>;
  /**
   * Optional, PostgreSQL: open a connection of its own (a pooled one would be handed to other
   * queries), run `request.sql` on it and report notifications until closed.
   */
  listen?(request: ListenRequest): Promise<{ close(): Promise<void> }>;
}
