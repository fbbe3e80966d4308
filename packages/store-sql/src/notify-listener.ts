import type { Logger } from '@dispatch/core';
import type { SqlExecutor } from './executor.js';

const RETRY_MS = [100, 500, 1000, 2000, 5000];

/**
 * The store's LISTEN connection, opened by the executor. It reconnects on its own and wakes
 * listeners after a reconnect, since notifications sent while it was down are lost; polling stays
 * the safety net.
 */
export class NotifyListener {
  readonly #executor: SqlExecutor;
  readonly #sql: string;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #listeners = new Set<() => void>();
  #connection: { close(): Promise<void> } | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(executor: SqlExecutor, quotedChannel: string, channel: string, logger: Logger) {
    this.#executor = executor;
    this.#sql = `LISTEN ${quotedChannel}`;
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
    if (this.#connection || this.#closed) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    let current: { close(): Promise<void> } | undefined;
    let lostEarly = false;
    const connection = await (this.#executor.listen as NonNullable<SqlExecutor['listen']>)({
      sql: this.#sql,
      channel: this.#channel,
      onNotify: () => this.#wake(),
      onLost: (error) => {
        if (current === undefined) {
          lostEarly = true;
          return;
        }
        if (this.#connection !== current) return;
        this.#connection = undefined;
        current.close().catch(() => {});
        if (this.#closed || this.#listeners.size === 0) return;
        this.#logger.warn({ error: error?.message }, 'the LISTEN connection was lost; reconnecting');
        this.#reconnect();
      },
    });
    current = connection;
    if (lostEarly) {
      await connection.close().catch(() => {});
      throw new Error('the LISTEN connection closed while it was being opened');
    }
    this.#connection = connection;
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
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#stop();
  }
}
