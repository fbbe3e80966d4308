import type { LogLevel } from '@dispatch/core';

/** The data layers this service has, one file each under `src/data/`. */
export const ORMS = ['mikro', 'prisma', 'drizzle', 'kysely', 'typeorm'] as const;

export type OrmName = (typeof ORMS)[number];

export interface Settings {
  /** Which data layer the service and the worker use (`ORM`). */
  orm: OrmName;
  /** PostgreSQL connection (libpq's variable names, so `psql` and this example agree). */
  postgres: { host: string; port: number; user: string; password: string | undefined; database: string };
  /**
   * PostgreSQL schema holding both tables: `<schema>.orders` and `<schema>.outbox_events`. The
   * tables are the same whichever ORM runs, so switching `ORM` keeps the orders and the outbox.
   */
  schema: string;
  redisUrl: string;
  /** The Redis stream the worker appends to. */
  stream: string;
  /** A customer's orders may add up to this much; an order past it is refused. */
  creditLimitCents: number;
  logLevel: LogLevel;
}

export function parseOrm(value: string | undefined): OrmName {
  const orm = value ?? 'mikro';
  if (!(ORMS as readonly string[]).includes(orm)) {
    throw new Error(`ORM must be one of ${ORMS.join(', ')}, not '${orm}'`);
  }
  return orm as OrmName;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const schema = env.DB_SCHEMA ?? 'swap_orm';
  // Interpolated into DDL and table names: keep it a plain identifier.
  if (!/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`DB_SCHEMA must be a lower-case identifier: '${schema}'`);
  return {
    orm: parseOrm(env.ORM),
    postgres: {
      host: env.PGHOST ?? '127.0.0.1',
      port: Number(env.PGPORT ?? 5432),
      user: env.PGUSER ?? 'postgres',
      password: env.PGPASSWORD,
      database: env.PGDATABASE ?? 'test',
    },
    schema,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    stream: env.EVENTS_STREAM ?? 'swap-orm-orders',
    creditLimitCents: Number(env.CREDIT_LIMIT_CENTS ?? 100_000),
    logLevel: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  };
}

/** The outbox table, in the same schema as the orders (`OUTBOX_STORE.OPTIONS.tableName`). */
export function outboxTable(settings: Settings): string {
  return `${settings.schema}.outbox_events`;
}
