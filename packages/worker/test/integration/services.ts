import { join } from 'node:path';
import type { RedisStreamOptionsInput } from '@dispatch/backend-redis-stream';
import { createDispatch, type Dispatch, type DispatchConfig, type PublisherConfig } from '@dispatch/core';
import { type LogLine, MemoryDatabase, memoryStore, recordingLogger } from '@dispatch/core/testing';
import { hasCommand } from '@dispatch/test-services/processes';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { afterAll, beforeAll } from 'vitest';
import { postgresUp } from './postgres.js';

/** Whether a module can be imported from here (a workspace package that has been built, a driver installed). */
export async function canImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

/** `redis-server` and the Redis backend are both here. */
export async function redisReady(): Promise<boolean> {
  return hasCommand('redis-server') && (await canImport('@dispatch/backend-redis-stream'));
}

/** Everything the `dispatch` command needs for the pg-redis fixture: PostgreSQL, Redis and both packages. */
export async function pgRedisReady(): Promise<boolean> {
  return (await redisReady()) && (await canImport('@dispatch/orm-mikro')) && (await postgresUp());
}

/** A throwaway Redis for the enclosing suite: started before its tests, removed after them. */
export function throwawayRedis(): { readonly server: RedisServer } {
  const redis = {} as { server: RedisServer };
  beforeAll(async () => {
    redis.server = await RedisServer.start({ dirPrefix: 'dispatch-worker-redis-' });
  });
  afterAll(async () => {
    await redis.server?.destroy();
  });
  return redis;
}

/** Event ids in a stream of a throwaway Redis, in order. */
export function eventIds(redis: RedisServer, stream: string): string[] {
  const out = redis.cli('--no-raw', 'XRANGE', stream, '-', '+');
  return [...out.matchAll(/"event_id"\s*\n\s*\d+\) "([^"]+)"/g)].map((match) => match[1] as string);
}

/** `OUTBOX_PUBLISHERS` with one publisher, "default", on the throwaway Redis. */
export async function redisPublishers(
  redis: RedisServer,
  options: RedisStreamOptionsInput,
  publisher: Omit<PublisherConfig, 'BACKEND' | 'OPTIONS'> = {},
): Promise<Record<string, PublisherConfig>> {
  const { redisStreamBackend } = await import('@dispatch/backend-redis-stream');
  return {
    default: {
      BACKEND: redisStreamBackend,
      OPTIONS: { host: '127.0.0.1', port: redis.port, ...options },
      ...publisher,
    },
  };
}

/**
 * A dispatch over a memory outbox publishing to the throwaway Redis, quick to notice an outage: 1 s
 * to connect, 2 s for a publish.
 */
export async function memoryOutboxOnRedis(
  redis: RedisServer,
  options: RedisStreamOptionsInput,
  worker: DispatchConfig['OUTBOX_WORKER'],
): Promise<{ dispatch: Dispatch; db: MemoryDatabase; logs: LogLine[] }> {
  const db = new MemoryDatabase();
  const logger = recordingLogger();
  const dispatch = await createDispatch({
    OUTBOX_PUBLISHERS: await redisPublishers(
      redis,
      { connect_timeout: 1, ...options },
      { PUBLISH_TIMEOUT: 2 },
    ),
    OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database: db } },
    OUTBOX_WORKER: worker,
    LOGGING: { LOGGER: logger },
  });
  return { dispatch, db, logs: logger.lines };
}

const root = join(import.meta.dirname, '..', '..');

/** The package folder, where the `dispatch` command runs from. */
export const PACKAGE_ROOT = root;

/** Node arguments that run `dispatch <args>` from source (no build needed) with the pg-redis fixture. */
export function dispatchArgs(...args: string[]): string[] {
  const fixture = join(root, 'test', 'fixtures', 'pg-redis', 'dispatch.config.ts');
  return ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args, '--config', fixture];
}

/** The environment the pg-redis fixture reads its table and Redis port from. */
export function pgRedisEnv(table: string, redis: RedisServer): Record<string, string> {
  return { ...process.env, DISPATCH_IT_TABLE: table, DISPATCH_IT_REDIS_PORT: String(redis.port) };
}
