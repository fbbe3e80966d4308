import { InvalidArgumentError } from '@dispatch/core';
import type Database from 'better-sqlite3';
import type mysql from 'mysql2/promise';
import pg from 'pg';
import {
  type CallerTransaction,
  type ListenRequest,
  listenWithPgClient,
  type SqlExecutor,
  type SqlRow,
} from '../src/index.js';

/**
 * Executors on the bare drivers, with no ORM: the smallest adapters the contract allows, used to
 * run the store suite on the engine alone. A caller's transaction is a `DriverTransaction`.
 */
export class DriverTransaction {
  readonly afterCommit: (() => void)[] = [];
  constructor(readonly connection: unknown) {}
}

function callerOf(explicit: unknown): CallerTransaction | undefined {
  if (explicit === undefined) return undefined;
  if (!(explicit instanceof DriverTransaction)) {
    throw new InvalidArgumentError('expected { transaction } from withTransaction(); nothing was written');
  }
  return { handle: explicit, onCommit: (callback) => explicit.afterCommit.push(callback) };
}

/** Run `work` in a transaction of `executor` and call the after-commit callbacks once it commits. */
export async function withTransaction<T>(
  executor: SqlExecutor,
  work: (transaction: DriverTransaction) => Promise<T>,
): Promise<T> {
  let done: DriverTransaction | undefined;
  const result = await executor.transaction(async (handle) => {
    done = handle as DriverTransaction;
    return work(done);
  });
  for (const callback of done?.afterCommit ?? []) callback();
  return result;
}

export const PG_CONFIG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

export function pgExecutor(pool: pg.Pool): SqlExecutor {
  const on = (trx: unknown) => (trx instanceof DriverTransaction ? (trx.connection as pg.PoolClient) : pool);
  return {
    dialect: 'postgresql',
    query: async (sql, params, trx) => (await on(trx).query(sql, [...params])).rows as SqlRow[],
    run: async (sql, params, trx) => (await on(trx).query(sql, [...params])).rowCount ?? 0,
    async transaction(work, options) {
      const client = await pool.connect();
      try {
        await client.query(options?.isolation ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN');
        const result = await work(new DriverTransaction(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    callerTransaction: callerOf,
    isMissingTable: (error) => (error as { code?: string }).code === '42P01',
    prepared: async (name, text, values) => (await pool.query({ name, text, values: [...values] })).rows,
    listen: (request: ListenRequest) => listenWithPgClient(new pg.Client(PG_CONFIG), request),
  };
}

export function mysqlExecutor(pool: mysql.Pool): SqlExecutor {
  const on = (trx: unknown) =>
    trx instanceof DriverTransaction ? (trx.connection as mysql.PoolConnection) : pool;
  return {
    dialect: 'mysql',
    query: async (sql, params, trx) => (await on(trx).query(sql, [...params]))[0] as SqlRow[],
    run: async (sql, params, trx) =>
      ((await on(trx).query(sql, [...params]))[0] as mysql.ResultSetHeader).affectedRows,
    async transaction(work, options) {
      const connection = await pool.getConnection();
      try {
        if (options?.isolation) await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await connection.beginTransaction();
        const result = await work(new DriverTransaction(connection));
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    },
    callerTransaction: callerOf,
    isMissingTable: (error) => (error as { code?: string }).code === 'ER_NO_SUCH_TABLE',
  };
}

/**
 * One connection, as SQLite wants; a transaction is BEGIN ... COMMIT on it. Like a pool of one, it
 * is lent to one user at a time: a transaction holds it until it ends, and a statement outside any
 * transaction waits for it, so concurrent callers never run inside each other's transactions.
 */
export function sqliteExecutor(db: Database.Database): SqlExecutor {
  let free: Promise<void> = Promise.resolve();
  const lend = async <T>(work: () => Promise<T>): Promise<T> => {
    const before = free;
    let release = () => {};
    free = new Promise((resolve) => {
      release = resolve;
    });
    await before;
    try {
      return await work();
    } finally {
      release();
    }
  };
  const on = <T>(trx: unknown, statement: () => T): Promise<T> =>
    trx instanceof DriverTransaction ? Promise.resolve().then(statement) : lend(async () => statement());
  return {
    dialect: 'sqlite',
    query: (sql, params, trx) => on(trx, () => db.prepare(sql).all(...(params as unknown[])) as SqlRow[]),
    run: (sql, params, trx) => on(trx, () => db.prepare(sql).run(...(params as unknown[])).changes),
    transaction: (work) =>
      lend(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(new DriverTransaction(db));
          db.exec('COMMIT');
          return result;
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      }),
    callerTransaction: callerOf,
    isMissingTable: (error) => /no such table/i.test((error as Error)?.message ?? ''),
  };
}
