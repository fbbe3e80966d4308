import { InvalidArgumentError } from '@dispatch/core';
import type { TablesRelationalConfig } from 'drizzle-orm';
import { type SQLiteSession, type SQLiteSyncDialect, SQLiteTransaction } from 'drizzle-orm/sqlite-core';
import { discard, newFrame, registry, release, type TransactionFrame } from './transaction-frames.js';

type Schema = ConstructorParameters<typeof SQLiteTransaction>[3];

interface SqliteDatabaseParts {
  $client: object;
  dialect: SQLiteSyncDialect;
  session: SQLiteSession<'sync', unknown, Record<string, unknown>, TablesRelationalConfig>;
  _: {
    schema?: TablesRelationalConfig;
    fullSchema: Record<string, unknown>;
    tableNamesMap: Record<string, string>;
  };
}

interface SqliteConnection {
  exec(sql: string): unknown;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * A Drizzle SQLite transaction whose callbacks may be asynchronous. better-sqlite3 runs
 * `db.transaction()` synchronously (an async callback is refused), so `withOutboxTransaction`
 * opens the transaction itself on the one connection and hands out this object: the same query
 * builders as Drizzle's own `tx`, and `tx.transaction(...)` as a savepoint that may await.
 */
export class SqliteOutboxTransaction extends SQLiteTransaction<
  'sync',
  unknown,
  Record<string, unknown>,
  TablesRelationalConfig
> {
  readonly frame: TransactionFrame;
  readonly #parts: SqliteDatabaseParts;

  private constructor(parts: SqliteDatabaseParts, depth: number, parent?: TransactionFrame) {
    const { _: own } = parts;
    const schema: Schema = own.schema
      ? { fullSchema: own.fullSchema, schema: own.schema, tableNamesMap: own.tableNamesMap }
      : undefined;
    super('sync', parts.dialect, parts.session, schema, depth);
    this.#parts = parts;
    this.frame = newFrame(parts.$client, parts.$client, this, parent);
  }

  /** The outermost transaction of `db` (the caller runs BEGIN). */
  static begin(db: object): SqliteOutboxTransaction {
    return new SqliteOutboxTransaction(db as SqliteDatabaseParts, 0);
  }

  /** A savepoint: released when `work` resolves, rolled back when it throws or rejects. */
  override transaction<T>(work: (tx: SqliteOutboxTransaction) => T): T {
    if (!this.frame.open) {
      throw new InvalidArgumentError(
        'tx.transaction(): this transaction has already ended; open a new one with withOutboxTransaction.',
      );
    }
    const connection = this.#parts.$client as SqliteConnection;
    const inner = new SqliteOutboxTransaction(this.#parts, this.nestedIndex + 1, this.frame);
    const name = `dispatch_sp${inner.nestedIndex}`;
    const end = (ok: boolean) => {
      if (ok) {
        connection.exec(`RELEASE ${name}`);
        release(inner.frame);
      } else {
        discard(inner.frame);
        connection.exec(`ROLLBACK TO ${name}`);
        connection.exec(`RELEASE ${name}`);
      }
    };
    connection.exec(`SAVEPOINT ${name}`);
    let result: T;
    try {
      result = registry.ambient.run(inner.frame, () => work(inner));
    } catch (error) {
      end(false);
      throw error;
    }
    if (!isThenable(result)) {
      end(true);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        end(true);
        return value;
      },
      (error: unknown) => {
        end(false);
        throw error;
      },
    ) as T;
  }
}
