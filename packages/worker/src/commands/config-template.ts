/** What `dispatch init` writes for each store and backend package it finds installed. */
interface Part {
  /** Import lines the part needs. */
  imports: string[];
  /** Statements before `return`, in the config function. */
  setup: string[];
  /** The `OUTBOX_STORE` or publisher entry, as written in the file. */
  entry: string[];
}

export const STORE_PACKAGES = [
  '@dispatch/orm-mikro',
  '@dispatch/orm-prisma',
  '@dispatch/orm-drizzle',
  '@dispatch/orm-kysely',
  '@dispatch/orm-typeorm',
] as const;

export const BACKEND_PACKAGES = [
  '@dispatch/backend-redis-stream',
  '@dispatch/backend-nats',
  '@dispatch/backend-rabbitmq',
  '@dispatch/backend-memory',
] as const;

export type StorePackage = (typeof STORE_PACKAGES)[number] | 'memory';
export type BackendPackage = (typeof BACKEND_PACKAGES)[number];

const PG_POOL = [
  'const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });',
  "// An 'error' event nobody handles ends the process: a database restart must not.",
  "pool.on('error', (error) => console.warn('PostgreSQL pool:', error.message));",
];

const STORES: Record<StorePackage, Part> = {
  '@dispatch/orm-mikro': {
    imports: [
      "import { MikroORM } from '@mikro-orm/core';",
      "import ormConfig from './mikro-orm.config.js';",
    ],
    setup: [
      '// The MikroORM instance of your app: the outbox rows go through its connections.',
      'const orm = await MikroORM.init(ormConfig);',
    ],
    entry: [
      "STORE: '@dispatch/orm-mikro',",
      '// tableName: outbox_events, requireTransaction: false (see the package README).',
      'OPTIONS: { orm },',
    ],
  },
  '@dispatch/orm-prisma': {
    imports: [
      "import { PrismaPg } from '@prisma/adapter-pg';",
      "import pg from 'pg';",
      "import { PrismaClient } from './generated/prisma/client.js';",
    ],
    setup: [...PG_POOL, 'const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });'],
    entry: [
      "STORE: '@dispatch/orm-prisma',",
      '// pgPool: LISTEN/NOTIFY wake-ups and prepared statements; leave it out on MariaDB/MySQL and SQLite.',
      'OPTIONS: { prisma, pgPool: pool },',
    ],
  },
  '@dispatch/orm-drizzle': {
    imports: ["import { drizzle } from 'drizzle-orm/node-postgres';", "import pg from 'pg';"],
    setup: [...PG_POOL, 'const db = drizzle(pool);'],
    entry: ["STORE: '@dispatch/orm-drizzle',", 'OPTIONS: { db },'],
  },
  '@dispatch/orm-kysely': {
    imports: ["import { Kysely, PostgresDialect } from 'kysely';", "import pg from 'pg';"],
    setup: [...PG_POOL, 'const db = new Kysely({ dialect: new PostgresDialect({ pool }) });'],
    entry: [
      "STORE: '@dispatch/orm-kysely',",
      '// pgPool: LISTEN/NOTIFY wake-ups and prepared statements (PostgreSQL only).',
      'OPTIONS: { db, pgPool: pool },',
    ],
  },
  '@dispatch/orm-typeorm': {
    imports: ["import 'reflect-metadata';", "import { DataSource } from 'typeorm';"],
    setup: [
      "const dataSource = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [] });",
      'await dataSource.initialize();',
    ],
    entry: ["STORE: '@dispatch/orm-typeorm',", 'OPTIONS: { dataSource },'],
  },
  memory: {
    imports: ["import { memoryStore } from '@dispatch/core/memory';"],
    setup: [],
    entry: [
      '// In memory: for trying things out, nothing survives the process. For a real outbox install a',
      '// store for your ORM (@dispatch/orm-mikro, -prisma, -drizzle, -kysely, -typeorm) and run',
      '// `dispatch init --force` again.',
      'STORE: memoryStore,',
    ],
  },
};

const BACKENDS: Record<BackendPackage, string[]> = {
  '@dispatch/backend-redis-stream': [
    "BACKEND: '@dispatch/backend-redis-stream',",
    'OPTIONS: {',
    "  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',",
    "  stream_name: 'events', // a name, a template such as '{event_type}', or a function",
    '  max_len: 10000, // trim each stream to about this many entries; null keeps everything',
    '},',
  ],
  '@dispatch/backend-nats': [
    "BACKEND: '@dispatch/backend-nats',",
    'OPTIONS: {',
    "  servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',",
    "  stream: 'EVENTS', // the JetStream stream that takes the subjects below",
    '},',
  ],
  '@dispatch/backend-rabbitmq': [
    "BACKEND: '@dispatch/backend-rabbitmq',",
    'OPTIONS: {',
    "  url: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',",
    "  exchange: 'events',",
    '},',
  ],
  '@dispatch/backend-memory': [
    '// In memory: for tests; a real broker is @dispatch/backend-redis-stream, -nats or -rabbitmq.',
    "BACKEND: '@dispatch/backend-memory',",
  ],
};

const indent = (lines: readonly string[], depth: number) =>
  lines.map((line) => `${'  '.repeat(depth)}${line}`);

/** A commented `dispatch.config.ts` for one store and one backend. */
export function configTemplate(store: StorePackage, backend: BackendPackage): string {
  const part = STORES[store];
  return [
    '// The Dispatch configuration `dispatch worker`, `dispatch migrate` and the other commands read.',
    '// Every setting, its default and its errors: docs/configuration.md of @dispatch/core.',
    "import { defineConfig } from '@dispatch/core';",
    ...part.imports,
    '',
    'export default async () => {',
    ...indent(part.setup, 1),
    ...(part.setup.length > 0 ? [''] : []),
    '  return defineConfig({',
    '    // Where events go. publishEvent() without `backend` uses `default`.',
    '    OUTBOX_PUBLISHERS: {',
    '      default: {',
    ...indent(BACKENDS[backend], 4),
    '      },',
    '    },',
    '    // Where events wait: the outbox table, written in your business transaction.',
    '    OUTBOX_STORE: {',
    ...indent(part.entry, 3),
    '    },',
    '    // The worker, with its defaults.',
    '    OUTBOX_WORKER: {',
    '      BATCH_SIZE: 100,',
    '      SLEEP_TIME: 5, // seconds between claims when the outbox is empty',
    '      MAX_RETRIES: 3, // retries after the first attempt; then the event is failed',
    '      LEASE_TIME: 30, // seconds a worker holds a claimed event before another may take it',
    '    },',
    '    // Published and failed events are deleted after these many days (dispatch cleanup, or the worker).',
    '    OUTBOX_RETENTION: { PUBLISHED_RETENTION_DAYS: 7, FAILED_RETENTION_DAYS: 30 },',
    "    LOGGING: { LEVEL: 'info' },",
    '  });',
    '};',
    '',
  ].join('\n');
}
