import type { Logger } from '@dispatch/core';
import type { ConnectionLike } from './orm-types.js';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

type PgClientClass = new (settings: unknown) => PgClient;

interface KnexLike {
  client: { driver?: { Client?: PgClientClass }; connectionSettings?: unknown };
}

interface PgPoolLike {
  Client?: PgClientClass;
  options?: unknown;
}

/** The `pg` Client class and connection settings behind the ORM: knex in MikroORM 6, a pg Pool in 7. */
async function clientFactory(
  connection: ConnectionLike,
): Promise<{ Client: PgClientClass; settings: unknown }> {
  const knex = connection.getKnex?.() as KnexLike | undefined;
  if (knex?.client.driver?.Client)
    return { Client: knex.client.driver.Client, settings: knex.client.connectionSettings };
  const pool = (await connection.getNativeClient?.()) as PgPoolLike | undefined;
  if (pool?.Client) return { Client: pool.Client, settings: pool.options };
  throw new Error('LISTEN/NOTIFY needs the pg driver behind @mikro-orm/postgresql');
}

const RETRY_MS = [100, 500, 1000, 2000, 5000];

/**
 * A dedicated PostgreSQL connection that `LISTEN`s on the store's channel (a pooled one would be
 * handed to other queries). It reconnects on its own and wakes listeners after a reconnect, since
 * notifications sent while it was down are lost; polling stays the safety net.
 */
export class NotifyListener {
  readonly #connection: ConnectionLike;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #listeners = new Set<() => void>();
  #client: PgClient | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(connection: ConnectionLike, channel: string, logger: Logger) {
    this.#connection = connection;
    this.#channel = channel;
    this.#logger = logger;
  }

  async add(listener: () => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    await this.#ensure();
    return async () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) await this.#stop();
    };
  }

  #wake(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#logger.error({ error: (error as Error)?.message }, 'a wake-up listener threw');
      }
    }
  }

  #ensure(): Promise<void> {
    if (this.#client || this.#closed) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { Client, settings } = await clientFactory(this.#connection);
    const client = new Client(settings);
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel === this.#channel) this.#wake();
    });
    const lost = (error?: Error) => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.removeAllListeners();
      client.end().catch(() => {});
      if (this.#closed || this.#listeners.size === 0) return;
      this.#logger.warn({ error: error?.message }, 'the LISTEN connection was lost; reconnecting');
      this.#reconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.query(`LISTEN "${this.#channel}"`);
    this.#client = client;
    this.#failures = 0;
  }

  #reconnect(): void {
    const delay = RETRY_MS[Math.min(this.#failures, RETRY_MS.length - 1)] ?? 5000;
    this.#failures += 1;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#ensure().then(
        () => this.#wake(),
        (error: unknown) => {
          this.#logger.warn({ error: (error as Error)?.message }, 'LISTEN reconnect failed');
          if (!this.#closed && this.#listeners.size > 0) this.#reconnect();
        },
      );
    }, delay);
    this.#timer.unref();
  }

  async #stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#starting?.catch(() => {});
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#stop();
  }
}
