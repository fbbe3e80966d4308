import { defineBackend } from '@dispatch/core';
import { loadIoredis } from './clients/ioredis-client.js';
import { loadNodeRedis } from './clients/node-redis-client.js';
import {
  type RedisStreamOptions,
  type RedisStreamOptionsInput,
  redisStreamOptionsSchema,
} from './options.js';
import { createRedisStreamDriver } from './redis-stream-driver.js';

/**
 * The Redis Stream backend: `BACKEND: '@dispatch/backend-redis-stream'`. Each event becomes one
 * stream entry in the Django Dispatch entry format; batches go out as one pipeline with a checked reply per event.
 */
export const redisStreamBackend = defineBackend<RedisStreamOptions, RedisStreamOptionsInput>({
  type: 'redis-stream',
  options: redisStreamOptionsSchema,
  // Idempotent only while the `idempotent` option keeps the event-id guard on; a batch is one
  // pipeline (or MULTI) on one connection, in order.
  capabilities: (options) => ({ idempotent: options.idempotent, preservesBatchOrder: true }),
  // A missing client library stops the process at start, with the package to install.
  async prepare(options) {
    if (options.client === 'ioredis') await loadIoredis();
    else if (options.client === 'node-redis') await loadNodeRedis();
  },
  create: (options, context) => createRedisStreamDriver(options, context),
});
