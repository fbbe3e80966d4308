import type { PgListenClient, SqlRow } from '@dispatch/store-sql';
import type { ConnectionLike } from './orm-types.js';

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: SqlRow[] }>;
}

/** MikroORM 6: the knex instance behind the connection, whose pool hands out pg clients. */
interface KnexPool {
  client?: {
    acquireConnection(): Promise<PgQueryable>;
    releaseConnection(client: PgQueryable): Promise<unknown>;
    driver?: { Client?: PgClientClass };
    connectionSettings?: unknown;
  };
}

type PgClientClass = new (settings: unknown) => PgListenClient;

interface PgPoolLike extends Partial<PgQueryable> {
  Client?: PgClientClass;
  options?: unknown;
}

/**
 * Run `work` on a pg client of MikroORM's pool (knex's in MikroORM 6, the driver's `Pool` in 7);
 * undefined when the driver offers none.
 */
export async function pgPoolClient(
  connection: ConnectionLike,
  work: (client: PgQueryable) => Promise<{ rows: SqlRow[] }>,
): Promise<SqlRow[] | undefined> {
  const knex = connection.getKnex?.() as KnexPool | undefined;
  if (typeof knex?.client?.acquireConnection === 'function') {
    const client = await knex.client.acquireConnection();
    try {
      return (await work(client)).rows;
    } finally {
      await knex.client.releaseConnection(client);
    }
  }
  const pool = (await connection.getNativeClient?.()) as PgPoolLike | undefined;
  if (typeof pool?.query === 'function') return (await work(pool as PgQueryable)).rows;
  return undefined;
}

/** The `pg` Client class and connection settings behind the ORM, for a connection of our own. */
export async function pgClientClass(
  connection: ConnectionLike,
): Promise<{ Client: PgClientClass; settings: unknown }> {
  const knex = connection.getKnex?.() as KnexPool | undefined;
  if (knex?.client?.driver?.Client)
    return { Client: knex.client.driver.Client, settings: knex.client.connectionSettings };
  const pool = (await connection.getNativeClient?.()) as PgPoolLike | undefined;
  if (pool?.Client) return { Client: pool.Client, settings: pool.options };
  throw new Error('LISTEN/NOTIFY needs the pg driver behind @mikro-orm/postgresql');
}
