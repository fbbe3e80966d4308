import { hostname } from 'node:os';
import type { LogLevel } from '@dispatch/core';

/** Everything the three processes need to find each other, from the environment. */
export interface Settings {
  /** PostgreSQL connection (libpq's variable names, so `psql` and this example agree). */
  postgres: { host: string; port: number; user: string; password: string | undefined; database: string };
  redisUrl: string;
  /** Business table of the example. */
  ordersTable: string;
  /** The outbox table (`OUTBOX_STORE.OPTIONS.tableName`). */
  outboxTable: string;
  /** The Redis stream the worker appends to and the consumer reads. */
  stream: string;
  /** Consumer group and this consumer's name in it. */
  group: string;
  consumer: string;
  /** Redis set of the event ids the consumer group has handled (duplicates are skipped). */
  processedKey: string;
  /** HTTP port of the service; 0 picks a free one. */
  port: number;
  host: string;
  /** A customer's orders may add up to this much; an order past it is refused after the write. */
  creditLimitCents: number;
  logLevel: LogLevel;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const group = env.CONSUMER_GROUP ?? 'shipping';
  const stream = env.EVENTS_STREAM ?? 'order-events';
  return {
    postgres: {
      host: env.PGHOST ?? '127.0.0.1',
      port: Number(env.PGPORT ?? 5432),
      user: env.PGUSER ?? 'postgres',
      password: env.PGPASSWORD,
      database: env.PGDATABASE ?? 'test',
    },
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ordersTable: env.ORDERS_TABLE ?? 'orders',
    outboxTable: env.OUTBOX_TABLE ?? 'outbox_events',
    stream,
    group,
    // Stable across restarts, so a restarted consumer first re-reads what it had not acknowledged.
    consumer: env.CONSUMER_NAME ?? `${group}-${hostname()}`,
    processedKey: env.PROCESSED_KEY ?? `${stream}:${group}:processed`,
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '127.0.0.1',
    creditLimitCents: Number(env.CREDIT_LIMIT_CENTS ?? 100_000),
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  };
}
