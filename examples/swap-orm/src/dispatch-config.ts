import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import { type DispatchConfig, defineConfig } from '@dispatch/core';
import type { OrdersData } from './data/index.js';
import type { Settings } from './settings.js';

/**
 * The one configuration the service and the worker share. Only `OUTBOX_STORE` depends on the ORM:
 * each data layer hands over its own store, running on its own connection pool.
 */
export function dispatchConfig(data: OrdersData, settings: Settings): DispatchConfig {
  return defineConfig({
    OUTBOX_PUBLISHERS: {
      default: {
        BACKEND: redisStreamBackend,
        OPTIONS: { url: settings.redisUrl, stream_name: settings.stream },
      },
    },
    OUTBOX_STORE: data.store,
    // The worker wakes on PostgreSQL NOTIFY when an order commits; SLEEP_TIME is only the fallback poll.
    OUTBOX_WORKER: { SLEEP_TIME: 5 },
    LOGGING: { LEVEL: settings.logLevel },
  });
}
