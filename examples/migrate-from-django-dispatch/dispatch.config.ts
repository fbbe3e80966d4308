// Django Dispatch's configuration page (docs/configuration.rst), snippet by snippet, as Dispatch
// configuration. Each section quotes the seed's Python first. Where the same setting now behaves
// differently, the comment says how and why.
import { type DispatchConfig, defineConfig, type PublisherConfig } from '@dispatch/core';
import { openOrm } from './src/orm.js';

// ---------------------------------------------------------------------------------------------
// Basic Configuration
//
//   OUTBOX_PUBLISHERS = {
//       'default': {
//           'BACKEND': 'django_dispatch.backends.RedisStreamBackend',
//           'OPTIONS': {
//               'host': 'localhost',
//               'port': 6379,
//               'stream_name': 'events',
//           }
//       }
//   }
//
// BACKEND is a module specifier (a package, or a path like './backends/webhook.ts' resolved against
// this file's folder) or a definition object. The seed accepted only its one hard-coded string.
// This example reads the Redis address from REDIS_HOST / REDIS_PORT (the seed's page writes
// 'localhost' and 6379, the defaults here).
const REDIS_HOST = process.env.REDIS_HOST ?? 'localhost';
const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

export const basicPublishers: Record<string, PublisherConfig> = {
  default: {
    BACKEND: '@dispatch/backend-redis-stream',
    OPTIONS: {
      host: REDIS_HOST,
      port: REDIS_PORT,
      stream_name: 'events',
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Multiple Backends
//
//   OUTBOX_PUBLISHERS = {
//       'default': { ...as above... },
//       'high_priority': {
//           'BACKEND': 'django_dispatch.backends.RedisStreamBackend',
//           'OPTIONS': {
//               'host': 'redis.example.com',
//               'port': 6379,
//               'stream_name': 'high_priority_events',
//               'max_len': 100000,
//           }
//       }
//   }
//
// An event without `publisher` (the seed's `backend`) goes to the publisher named `default` (or
// to the only publisher). The seed used whichever key came first. An unknown name now throws UnknownBackendError in
// publishEvent, before anything is written; the seed wrote the row and its worker retried it
// until it failed. (Publishing with `publisher: 'high_priority'`: see src/publish.ts.)
export const multiplePublishers: Record<string, PublisherConfig> = {
  ...basicPublishers,
  high_priority: {
    BACKEND: '@dispatch/backend-redis-stream',
    OPTIONS: {
      host: 'redis.example.com',
      port: 6379,
      stream_name: 'high_priority_events',
      max_len: 100000,
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Backend Options: Redis Stream Backend
//
//   'OPTIONS': {
//       'host': 'localhost',           # Redis host
//       'port': 6379,                  # Redis port
//       'db': 0,                       # Redis database number
//       'password': None,              # Redis password (optional)
//       'stream_name': 'events',       # Name of the Redis stream
//       'max_len': 10000,              # Maximum length of the stream
//       'connect_timeout': 5,          # Connection timeout in seconds
//       'socket_timeout': 5,           # Socket timeout in seconds
//   }
//
// Same names, same defaults, same units (seconds). Unknown keys and wrong types are errors with
// their key path, reported before anything connects.
export const redisStreamOptions = {
  host: REDIS_HOST,
  port: REDIS_PORT,
  db: 0,
  // None: leave it out (undefined). `null` is refused: a password is a string or absent.
  password: process.env.REDIS_PASSWORD,
  stream_name: 'events',
  // Approximate trim (MAXLEN ~), as in the seed. It drops entries whether or not a consumer has
  // read them: size it for your longest consumer outage, or set null and trim yourself.
  max_len: 10000,
  connect_timeout: 5,
  socket_timeout: 5,
};

// ---------------------------------------------------------------------------------------------
// Worker Configuration
//
//   OUTBOX_WORKER = {
//       'BATCH_SIZE': 100,             # Number of events to process in one batch
//       'SLEEP_TIME': 5,               # Sleep time between batches in seconds
//       'MAX_RETRIES': 3,              # Default maximum retry attempts
//       'RETRY_BACKOFF': True,         # Use exponential backoff for retries
//   }
//
// The seed documented these and ignored them; they are applied here (and `dispatch worker
// --batch-size/--interval` override the first two, like the seed's management command).
export const workerSettings = {
  // Claimed atomically: two workers never get the same event.
  BATCH_SIZE: 100,
  // Slept only when there is nothing to do, never after a full batch; on PostgreSQL the worker
  // also wakes as soon as an event commits (LISTEN/NOTIFY).
  SLEEP_TIME: 5,
  // Retries AFTER the first attempt: 3 means up to 4 attempts (the seed's 3 meant 3 attempts; write
  // 2 to keep that). An outage of the backend uses none of them.
  MAX_RETRIES: 3,
  // Exponential with jitter: RETRY_BASE_DELAY (5 s) x 2^(n-1), +-20 %, at most RETRY_MAX_DELAY
  // (600 s). The seed waited 2^n minutes; RETRY_BASE_DELAY: 120 comes close to that.
  RETRY_BACKOFF: true,
};

// ---------------------------------------------------------------------------------------------
// Advanced Configuration: Event Retention
//
//   OUTBOX_RETENTION = {
//       'CLEANUP_PUBLISHED': True,     # Clean up published events
//       'PUBLISHED_RETENTION_DAYS': 7, # Keep published events for 7 days
//       'FAILED_RETENTION_DAYS': 30,   # Keep failed events for 30 days
//   }
//
// Also ignored by the seed (its table only grew). The worker now applies it every
// CLEANUP_INTERVAL (3600 s), in batches of CLEANUP_BATCH_SIZE (1000) rows; `dispatch cleanup`
// applies it on demand. Failed events are deleted after FAILED_RETENTION_DAYS even when
// CLEANUP_PUBLISHED is false.
export const retentionSettings = {
  CLEANUP_PUBLISHED: true,
  PUBLISHED_RETENTION_DAYS: 7,
  FAILED_RETENTION_DAYS: 30,
};

// ---------------------------------------------------------------------------------------------
// Advanced Configuration: Logging
//
//   LOGGING = {
//       'version': 1,
//       'disable_existing_loggers': False,
//       'handlers': { 'console': { 'class': 'logging.StreamHandler' } },
//       'loggers': { 'django_dispatch': { 'handlers': ['console'], 'level': 'INFO' } },
//   }
//
// The default logger writes to the console (like the StreamHandler) under the namespace `dispatch`
// (`dispatch:worker`, `dispatch:backend`, `dispatch:store`, `dispatch:hooks`), not
// `django_dispatch`. To send the lines elsewhere, pass your own logger: `LOGGER: pino()`.
export const loggingSettings = {
  LEVEL: 'info' as const,
};

// ---------------------------------------------------------------------------------------------
// The whole page as one configuration. The seed stored events through Django's ORM in the
// project's database; here the outbox table lives in your database through your MikroORM
// instance (`dispatch migrate` creates it), so the file is a function that opens the ORM.
export default async (): Promise<DispatchConfig> =>
  defineConfig({
    OUTBOX_PUBLISHERS: {
      ...multiplePublishers,
      default: { BACKEND: '@dispatch/backend-redis-stream', OPTIONS: redisStreamOptions },
    },
    OUTBOX_STORE: { STORE: '@dispatch/orm-mikro', OPTIONS: { orm: await openOrm() } },
    OUTBOX_WORKER: workerSettings,
    OUTBOX_RETENTION: retentionSettings,
    LOGGING: loggingSettings,
  });
