import {
  type ListenRequest,
  listenWithPgClient,
  type PgListenClient,
  type SqlRow,
} from '@dispatch/store-sql';
import type { DataSourceLike } from './typeorm-types.js';

/**
 * What TypeORM's PostgreSQL driver offers underneath: its pg Pool, for named prepared statements
 * outside any transaction, and its `pg` module, for a LISTEN connection of the store's own.
 */
export class PgAccess {
  readonly #dataSource: DataSourceLike;

  constructor(dataSource: DataSourceLike) {
    this.#dataSource = dataSource;
  }

  async prepared(name: string, text: string, params: readonly unknown[]): Promise<SqlRow[] | undefined> {
    const pool = this.#dataSource.driver.master;
    if (typeof pool?.query !== 'function') return undefined;
    return (await pool.query({ name, text, values: [...params] })).rows;
  }

  async listen(request: ListenRequest): Promise<{ close(): Promise<void> }> {
    const { master, postgres } = this.#dataSource.driver;
    const Client = postgres?.Client;
    if (typeof Client !== 'function' || !master) {
      throw new Error("LISTEN/NOTIFY needs the pg driver behind TypeORM's postgres DataSource");
    }
    // A client of its own, not one of the pool's: a pooled connection would be handed to queries.
    return listenWithPgClient(new Client(master.options) as PgListenClient, request);
  }
}
