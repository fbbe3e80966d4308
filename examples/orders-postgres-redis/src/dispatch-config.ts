import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import { type DispatchConfig, defineConfig } from '@dispatch/core';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Settings } from './settings.js';

/**
 * The one configuration the service (publishing) and the worker (`dispatch.config.ts`) share.
 * Each process passes its own ORM.
 */
export function dispatchConfig(orm: MikroORM, settings: Settings): DispatchConfig {
  return defineConfig({
    OUTBOX_PUBLISHERS: {
      default: {
        BACKEND: redisStreamBackend,
        OPTIONS: {
          url: settings.redisUrl,
          stream_name: settings.stream,
          // Trimming drops entries whether or not the group has read them: size it for the longest
          // consumer outage you want to survive (here about a million orders).
          max_len: 1_000_000,
        },
      },
    },
    OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName: settings.outboxTable } },
    // The worker wakes on PostgreSQL NOTIFY when an order commits; SLEEP_TIME is only the fallback poll.
    OUTBOX_WORKER: { BATCH_SIZE: 100, SLEEP_TIME: 5 },
    LOGGING: { LEVEL: settings.logLevel },
  });
}
