import { InvalidArgumentError } from '@dispatch/core';
import type { SqlRow } from '@dispatch/store-sql';
import type { DriverRunner } from './driver-runner.js';

interface MysqlQueryable {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
}

interface MysqlPoolConnection extends MysqlQueryable {
  beginTransaction(): Promise<unknown>;
  commit(): Promise<unknown>;
  rollback(): Promise<unknown>;
  release(): void;
  destroy(): void;
}

/** The parts of a mysql2 promise pool the store uses. */
interface MysqlPool extends MysqlQueryable {
  getConnection(): Promise<MysqlPoolConnection>;
}

/** A mysql2 callback pool (what `drizzle(url)` makes) or a promise pool (`mysql2/promise`). */
function asPool(client: unknown): MysqlPool {
  const callback = client as { promise?: () => unknown } | null;
  const pool = (
    typeof callback?.promise === 'function' ? callback.promise() : client
  ) as Partial<MysqlPool> | null;
  if (typeof pool?.query !== 'function') {
    throw new InvalidArgumentError(
      'OUTBOX_STORE.OPTIONS.db: on MariaDB/MySQL db.$client must be a mysql2 pool (drizzle(pool), or drizzle(url), which makes one).',
    );
  }
  if (typeof pool.getConnection !== 'function') {
    // A single connection is shared by every query of the application: a transaction of the
    // store's own on it would take in whatever else runs meanwhile.
    throw new InvalidArgumentError(
      'OUTBOX_STORE.OPTIONS.db: db.$client is a single mysql2 connection; the outbox store needs a pool (mysql2.createPool(...) or drizzle(url)).',
    );
  }
  return pool as MysqlPool;
}

const changed = (result: unknown) => Number((result as { affectedRows?: number }).affectedRows ?? 0);

/** mysql2: statements on the pool, transactions on a connection of it. */
export function mysqlRunner(client: unknown): DriverRunner {
  const pool = asPool(client);
  const on = (connection: unknown) => (connection ?? pool) as MysqlQueryable;
  return {
    query: async (sql, params, connection) => (await on(connection).query(sql, [...params]))[0] as SqlRow[],
    run: async (sql, params, connection) => changed((await on(connection).query(sql, [...params]))[0]),
    async transaction(work, options) {
      const connection = await pool.getConnection();
      let broken = false;
      try {
        // Applies to the next transaction of this connection only.
        if (options?.isolation) await connection.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await connection.beginTransaction();
        const result = await work(connection);
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is not handed to anyone else.
        if (broken) connection.destroy();
        else connection.release();
      }
    },
  };
}
