import { ConfigError, hasErrorCode } from '@dispatch/core';
import type { ListenRequest, SqlRow } from './executor.js';
import { listenWithPgClient, type PgListenClient } from './pg-listen.js';

/** The members of a `pg` Pool the store uses (structural: this package does not import pg). */
export interface PgPoolLike {
  query(config: {
    name?: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Record<string, unknown>[] }>;
  /**
   * The Client class the pool connects with (every pg Pool has it, though `@types/pg` does not say
   * so); LISTEN opens one of its own with the pool's settings.
   */
  Client?: new (
    settings: unknown,
  ) => unknown;
  options?: unknown;
}

/** How an ORM store names things in the error about a pool that reaches another database. */
export interface PgPoolAccessLabels {
  /** The option holding the ORM handle the store's own queries go through: 'db', 'prisma'. */
  readonly handle: string;
  /** What to do about it: 'pass the pg Pool your PostgresDialect uses'. */
  readonly hint: string;
}

/** Enough to tell two PostgreSQL servers and databases apart, readable by any user. */
const FINGERPRINT =
  "SELECT current_database() AS db, pg_postmaster_start_time()::text AS started, current_setting('port') AS port";

/**
 * The `pg` Pool behind the application's ORM, for what the ORM does not offer: named prepared
 * statements and a LISTEN connection. Before its first use it checks that the pool reaches the same
 * database as the ORM handle, so a wrong pool cannot claim from another database.
 */
export class PgPoolAccess {
  readonly #pool: PgPoolLike;
  readonly #viaOrm: (sql: string) => Promise<SqlRow[]>;
  readonly #labels: PgPoolAccessLabels;
  #checked: Promise<void> | undefined;

  /** `viaOrm` runs a statement through the ORM handle, to compare the database it reaches. */
  constructor(pool: PgPoolLike, viaOrm: (sql: string) => Promise<SqlRow[]>, labels: PgPoolAccessLabels) {
    this.#pool = pool;
    this.#viaOrm = viaOrm;
    this.#labels = labels;
  }

  #check(): Promise<void> {
    this.#checked ??= this.#compare().catch((error: unknown) => {
      // A wrong pool stays wrong; anything else (a connection error) is tried again next time.
      if (!hasErrorCode(error, 'DISPATCH_CONFIG_INVALID')) this.#checked = undefined;
      throw error;
    });
    return this.#checked;
  }

  async #compare(): Promise<void> {
    const [[orm], { rows }] = await Promise.all([
      this.#viaOrm(FINGERPRINT),
      this.#pool.query({ text: FINGERPRINT, values: [] }),
    ]);
    const pool = rows[0];
    const same = ['db', 'started', 'port'].every((key) => String(orm?.[key]) === String(pool?.[key]));
    if (!same) {
      throw new ConfigError([
        {
          path: 'OUTBOX_STORE.OPTIONS.pgPool',
          message:
            `reaches database "${String(pool?.db)}" on port ${String(pool?.port)}, but ${this.#labels.handle} reaches ` +
            `"${String(orm?.db)}" on port ${String(orm?.port)} (or another server): ${this.#labels.hint}`,
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
