import { InvalidArgumentError } from '@dispatch/core';
import {
  type ListenRequest,
  listenWithPgClient,
  type PgListenClient,
  type SqlRow,
} from '@dispatch/store-sql';
import type { DriverRunner } from './driver-runner.js';

interface PgQueryable {
  query(
    config: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: SqlRow[]; rowCount: number | null }>;
}

interface PgPoolClient extends PgQueryable {
  release(error?: Error | boolean): void;
}

/** The parts of a `pg.Pool` the store uses. */
interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  Client: new (settings: unknown) => PgListenClient;
  options: unknown;
}

function asPool(client: unknown): PgPool {
  const pool = client as Partial<PgPool> | null;
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw new InvalidArgumentError(
      'OUTBOX_STORE.OPTIONS.db: on PostgreSQL db.$client must be a pg Pool (drizzle(pool), or drizzle(url), which makes one).',
    );
  }
  if (typeof pool.Client !== 'function') {
    // A single pg Client is shared by every query of the application: a transaction of the
    // store's own on it would take in whatever else runs meanwhile.
    throw new InvalidArgumentError(
      'OUTBOX_STORE.OPTIONS.db: db.$client is a single pg Client; the outbox store needs a pg Pool (drizzle(new pg.Pool(...)) or drizzle(url)).',
    );
  }
  return pool as PgPool;
}

/** node-postgres: statements on the pool, transactions on a client of it, LISTEN on a new Client. */
export function pgRunner(client: unknown): DriverRunner {
  const pool = asPool(client);
  const on = (connection: unknown) => (connection ?? pool) as PgQueryable;
  return {
    query: async (sql, params, connection) => (await on(connection).query(sql, [...params])).rows,
    run: async (sql, params, connection) => (await on(connection).query(sql, [...params])).rowCount ?? 0,
    async transaction(work, options) {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query(options?.isolation ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN');
        const result = await work(connection);
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch((rollback: Error) => {
          broken = rollback;
        });
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is not handed to anyone else.
        connection.release(broken);
      }
    },
    prepared: async (name, text, params) => (await pool.query({ name, text, values: [...params] })).rows,
    listen: (request: ListenRequest) => listenWithPgClient(new pool.Client(pool.options), request),
  };
}
