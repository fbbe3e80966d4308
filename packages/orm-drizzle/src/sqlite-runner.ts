import { InvalidArgumentError } from '@dispatch/core';
import type { SqlRow } from '@dispatch/store-sql';
import type { DriverRunner } from './driver-runner.js';
import { ambientFrame, sqliteLock } from './transaction-frames.js';

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** The parts of a better-sqlite3 `Database` the store uses. */
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  inTransaction: boolean;
}

function asDatabase(client: unknown): SqliteDatabase {
  const db = client as Partial<SqliteDatabase> | null;
  if (typeof db?.prepare !== 'function' || typeof db.exec !== 'function') {
    throw new InvalidArgumentError(
      'OUTBOX_STORE.OPTIONS.db: on SQLite db.$client must be a better-sqlite3 Database (drizzle(new Database(file)) or drizzle(file)).',
    );
  }
  return db as SqliteDatabase;
}

/**
 * better-sqlite3: one connection, shared with the application. A transaction of
 * `withOutboxTransaction` holds it until it ends, so the store's own statements wait their turn
 * (they would otherwise run inside that transaction and commit or roll back with it), except
 * when they run inside it (the same async context), where they are part of it.
 */
export function sqliteRunner(client: unknown): DriverRunner {
  const db = asDatabase(client);
  const lock = sqliteLock(client as object);
  const execute = (sql: string, params: readonly unknown[]) => {
    const statement = db.prepare(sql);
    return statement.reader ? (statement.all(...params) as SqlRow[]) : statement.run(...params).changes;
  };
  // Outside a transaction: wait for the connection unless this context already holds it.
  const turn = <T>(connection: unknown, work: () => T | Promise<T>): Promise<T> =>
    connection !== undefined || ambientFrame(client as object)
      ? Promise.resolve().then(work)
      : lock.run(work);
  return {
    query: (sql, params, connection) =>
      turn(connection, () => {
        const result = execute(sql, params);
        return Array.isArray(result) ? result : [];
      }),
    run: (sql, params, connection) =>
      turn(connection, () => {
        const result = execute(sql, params);
        return Array.isArray(result) ? result.length : result;
      }),
    transaction: (work) =>
      turn(undefined, async () => {
        // Inside the caller's transaction (same context) a transaction of ours is a savepoint.
        const nested = db.inTransaction;
        db.exec(nested ? 'SAVEPOINT dispatch_store' : 'BEGIN IMMEDIATE');
        try {
          const result = await work(db);
          db.exec(nested ? 'RELEASE dispatch_store' : 'COMMIT');
          return result;
        } catch (error) {
          if (nested) db.exec('ROLLBACK TO dispatch_store; RELEASE dispatch_store');
          else if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
  };
}
