import type { LogLevel } from '@dispatch/core';

/** The brokers this service can publish to: one publisher block each in `dispatch-config.ts`. */
export const BROKERS = ['redis', 'nats', 'rabbitmq'] as const;

export type BrokerName = (typeof BROKERS)[number];

export interface Settings {
  /** Where the worker publishes (`BROKER`). Nothing else about the service depends on it. */
  broker: BrokerName;
  /** PostgreSQL connection (libpq's variable names, so `psql` and this example agree). */
  postgres: { host: string; port: number; user: string; password: string | undefined; database: string };
  /** PostgreSQL schema holding both tables: `<schema>.orders` and `<schema>.outbox_events`. */
  schema: string;
  redis: {
    url: string;
    /** The stream the worker appends to. */
    stream: string;
  };
  nats: {
    /** One server or a comma-separated list. */
    servers: string[];
    /** The JetStream stream that stores the events (created by the worker's first publish). */
    stream: string;
    /** Subjects are `<subjectPrefix>.<event type>`: `switch-broker.order.created`. */
    subjectPrefix: string;
  };
  rabbitmq: {
    url: string;
    /** The topic exchange the worker publishes to, with the event type as routing key. */
    exchange: string;
    /** The consumer's queue, bound to the exchange. */
    queue: string;
  };
  /** Redis consumer group, JetStream durable consumer: the reader's name on the broker. */
  consumerName: string;
  logLevel: LogLevel;
}

export function parseBroker(value: string | undefined): BrokerName {
  const broker = value === undefined || value === '' ? 'redis' : value;
  if (!(BROKERS as readonly string[]).includes(broker)) {
    throw new Error(`BROKER must be one of ${BROKERS.join(', ')}, not '${broker}'`);
  }
  return broker as BrokerName;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const schema = env.DB_SCHEMA ?? 'switch_broker';
  // Interpolated into DDL and table names: keep it a plain identifier.
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`DB_SCHEMA must be a lower-case identifier, not '${schema}'`);
  }
  return {
    broker: parseBroker(env.BROKER),
    postgres: {
      host: env.PGHOST ?? '127.0.0.1',
      port: Number(env.PGPORT ?? 5432),
      user: env.PGUSER ?? 'postgres',
      password: env.PGPASSWORD,
      database: env.PGDATABASE ?? 'test',
    },
    schema,
    redis: {
      url: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      stream: env.REDIS_STREAM ?? 'switch-broker-orders',
    },
    nats: {
      servers: (env.NATS_SERVERS ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()),
      stream: env.NATS_STREAM ?? 'SWITCH_BROKER_ORDERS',
      subjectPrefix: env.NATS_SUBJECT_PREFIX ?? 'switch-broker',
    },
    rabbitmq: {
      url: env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      exchange: env.AMQP_EXCHANGE ?? 'switch-broker',
      queue: env.AMQP_QUEUE ?? 'switch-broker-orders',
    },
    consumerName: env.CONSUMER_NAME ?? 'switch-broker',
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  };
}

/** The outbox table, in the same schema as the orders (`OUTBOX_STORE.OPTIONS.tableName`). */
export function outboxTable(settings: Settings): string {
  return `${settings.schema}.outbox_events`;
}
