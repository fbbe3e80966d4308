import { ConfigError } from '@dispatch/core';
import {
  type ListenRequest,
  listenWithPgClient,
  type PgListenClient,
  type SqlRow,
} from '@dispatch/store-sql';
import type { PgPoolLike } from './options.js';

/** Enough to tell two PostgreSQL servers and databases apart, readable by any user. */
const FINGERPRINT =
  "SELECT current_database() AS db, pg_postmaster_start_time()::text AS started, current_setting('port') AS port";

/**
 * The `pg` Pool behind the application's PostgresDialect, for what Kysely does not offer: named
 * prepared statements and a LISTEN connection. Before its first use it checks that the pool reaches
 * the same database as the Kysely instance, so a wrong pool cannot claim from another database.
 */
export class PgPoolAccess {
  readonly #pool: PgPoolLike;
  readonly #viaKysely: (sql: string) => Promise<SqlRow[]>;
  #checked: Promise<void> | undefined;

  constructor(pool: PgPoolLike, viaKysely: (sql: string) => Promise<SqlRow[]>) {
    this.#pool = pool;
    this.#viaKysely = viaKysely;
  }

  #check(): Promise<void> {
    this.#checked ??= this.#compare().catch((error: unknown) => {
      // A wrong pool stays wrong; anything else (a connection error) is tried again next time.
      if (!(error instanceof ConfigError)) this.#checked = undefined;
      throw error;
    });
    return this.#checked;
  }

  async #compare(): Promise<void> {
    const [[kysely], { rows }] = await Promise.all([
      this.#viaKysely(FINGERPRINT),
      this.#pool.query({ text: FINGERPRINT, values: [] }),
    ]);
    const pool = rows[0];
    const same = ['db', 'started', 'port'].every((key) => String(kysely?.[key]) === String(pool?.[key]));
    if (!same) {
      throw new ConfigError([
        {
          path: 'OUTBOX_STORE.OPTIONS.pgPool',
          message:
            `reaches database "${String(pool?.db)}" on port ${String(pool?.port)}, but db reaches ` +
            `"${String(kysely?.db)}" on port ${String(kysely?.port)} (or another server): pass the pg Pool ` +
            'your PostgresDialect uses',
        },
      ]);
    }
  }

  async prepared(name: string, text: string, params: readonly unknown[]): Promise<SqlRow[]> {
    await this.#check();
    return (await this.#pool.query({ name, text, values: [...params] })).rows;
  }

  async listen(request: ListenRequest): Promise<{ close(): Promise<void> }> {
    await this.#check();
    // A Client of its own, not one of the pool's: a pooled connection would be handed to queries.
    // Checked when the options were validated: every pg Pool has its Client class.
    const Client = this.#pool.Client as new (settings: unknown) => PgListenClient;
    const client = new Client(this.#pool.options);
    return listenWithPgClient(client, request);
  }
}
