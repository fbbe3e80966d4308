import { randomUUID } from 'node:crypto';
import { type Backend, createBackend, type Logger, silentLogger } from '@dispatch/core';
import { countingEvents } from '@dispatch/core/testing';
import { Redis } from 'ioredis';
import { type RedisStreamOptionsInput, redisStreamBackend } from '../src/index.js';

export const CLIENTS = ['ioredis', 'node-redis'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** The machine's shared Redis (see environment.md). */
export const SHARED_REDIS = { host: '127.0.0.1', port: 6379 };

export function randomStream(prefix = 'test'): string {
  return `dispatch-test:${prefix}:${randomUUID()}`;
}

/** Events as a store would hand them to the worker; `data.n` and `sequence` count up across the run. */
export const { makeEvent, makeEvents } = countingEvents((n) => ({
  eventType: 'order.created',
  source: 'test-suite',
  data: { n },
  sequence: n,
}));

/** A backend built the way Dispatch builds it: options validated, wrapped by core. */
export function openBackend(
  options: RedisStreamOptionsInput,
  timeoutMs = 10_000,
  logger: Logger = silentLogger,
): Promise<Backend> {
  return createBackend(redisStreamBackend, options, { name: 'default', logger, timeoutMs });
}

/** A plain ioredis connection for reading back what the backend wrote. */
export function inspector(port = SHARED_REDIS.port): Redis {
  return new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Stream entries as `{ id, fields }`, in stream order. */
export async function readStream(
  redis: Redis,
  stream: string,
): Promise<{ id: string; fields: Record<string, string> }[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return { id, fields };
  });
}

/** Delete test keys: the streams and their idempotency markers. */
export async function cleanup(redis: Redis, streams: Iterable<string>): Promise<void> {
  for (const stream of streams) {
    const markers = await redis.keys(`dispatch:idem:{${stream}}:*`);
    await redis.del(stream, ...markers);
  }
}
