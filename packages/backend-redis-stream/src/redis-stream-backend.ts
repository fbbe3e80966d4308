import { defineBackend } from '@dispatch/core';
import { type RedisStreamOptions, redisStreamOptionsSchema } from './options.js';
import { createRedisStreamDriver } from './redis-stream-driver.js';

/**
 * The Redis Stream backend: `BACKEND: '@dispatch/backend-redis-stream'`. Each event becomes one
 * stream entry in the seed's format; batches go out as one pipeline with a checked reply per event.
 */
export const redisStreamBackend = defineBackend<RedisStreamOptions>({
  type: 'redis-stream',
  options: redisStreamOptionsSchema,
  create: (options, context) => createRedisStreamDriver(options, context),
});
