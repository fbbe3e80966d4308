import { createDispatch, type Dispatch } from '@dispatch/core';
import { MemoryDatabase, memoryStore } from '@dispatch/core/testing';
import { hasCommand } from '@dispatch/test-services/processes';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/index.js';
import { recordingLogger } from '../helpers.js';
import { canImport, eventIds } from './services.js';

const ready = hasCommand('redis-server') && (await canImport('@dispatch/backend-redis-stream'));

describe.skipIf(!ready)('worker through an outage of a throwaway Redis', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start({ dirPrefix: 'dispatch-worker-redis-' });
  });

  afterAll(async () => {
    await redis?.destroy();
  });

  it('keeps every attempt through the outage, logs it once each way, publishes everything after the restart', async () => {
    const { redisStreamBackend } = await import('@dispatch/backend-redis-stream');
    const db = new MemoryDatabase();
    const logger = recordingLogger();
    const dispatch: Dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: {
        default: {
          BACKEND: redisStreamBackend,
          OPTIONS: {
            host: '127.0.0.1',
            port: redis.port,
            stream_name: 'outage',
            connect_timeout: 1,
            socket_timeout: 1,
          },
          PUBLISH_TIMEOUT: 2,
        },
      },
      OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database: db } },
      OUTBOX_WORKER: {
        BATCH_SIZE: 50,
        SLEEP_TIME: 0.05,
        MAX_RETRIES: 1,
        RETRY_BASE_DELAY: 0.1,
        RETRY_MAX_DELAY: 0.2,
      },
      LOGGING: { LOGGER: logger },
    });
    const worker = new Worker(dispatch, { cleanup: false, probeBaseMs: 100, probeMaxMs: 500 });
    const running = worker.run();
    const publish = (n: number) =>
      dispatch.publisher.publishEvents(
        Array.from({ length: n }, (_, i) => ({ eventType: 'outage.test', source: 'test', data: { i } })),
      );
    try {
      await publish(100);
      await expect.poll(() => eventIds(redis, 'outage').length, { timeout: 10_000 }).toBe(100);

      await redis.stop();
      const during = await publish(100);
      // Well past MAX_RETRIES × RETRY_MAX_DELAY: had the outage spent attempts, every event would have failed by now.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const rows = during.map((event) => db.rows.get(event.id)!);
      expect(rows.filter((row) => row.status === 'failed')).toEqual([]);
      expect(Math.max(...rows.map((row) => row.attempts))).toBeLessThanOrEqual(1);
      expect(worker.backendStatus().default?.up).toBe(false);

      await redis.start();
      await expect
        .poll(() => [...db.rows.values()].filter((row) => row.status === 'published').length, {
          timeout: 15_000,
        })
        .toBe(200);
      // The restarted server came back empty (no persistence): it holds exactly the outage's events.
      expect(new Set(eventIds(redis, 'outage'))).toEqual(new Set(during.map((event) => event.id)));
      for (const event of during) expect(db.rows.get(event.id)!.attempts).toBe(1);

      const down = logger.lines.filter(
        (line) => line.level === 'warn' && /unavailable; pausing/.test(line.message),
      );
      const back = logger.lines.filter((line) => line.level === 'info' && /is back/.test(line.message));
      expect(down).toHaveLength(1);
      expect(back).toHaveLength(1);
    } finally {
      await worker.stop();
      await running;
      await dispatch.close();
    }
  }, 60_000);

  it('resumes within 2 s of a long outage ending, with the default probe backoff', async () => {
    const { redisStreamBackend } = await import('@dispatch/backend-redis-stream');
    const db = new MemoryDatabase();
    const logger = recordingLogger();
    const dispatch: Dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: {
        default: {
          BACKEND: redisStreamBackend,
          OPTIONS: { host: '127.0.0.1', port: redis.port, stream_name: 'resume', connect_timeout: 1 },
          PUBLISH_TIMEOUT: 2,
        },
      },
      OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database: db } },
      OUTBOX_WORKER: { BATCH_SIZE: 50, SLEEP_TIME: 0.05 },
      LOGGING: { LOGGER: logger },
    });
    // Probes 1 s doubling to 30 s (the defaults): after 12 s down the next one is several seconds off.
    const worker = new Worker(dispatch, { cleanup: false });
    const running = worker.run();
    try {
      await dispatch.publisher.publishEvent({ eventType: 'resume.test', source: 'test', data: {} });
      await expect.poll(() => eventIds(redis, 'resume').length, { timeout: 10_000 }).toBe(1);
      await redis.stop();
      const during = await dispatch.publisher.publishEvent({
        eventType: 'resume.test',
        source: 'test',
        data: {},
      });
      await expect.poll(() => worker.backendStatus().default?.up, { timeout: 10_000 }).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      await redis.start();
      const back = Date.now();
      await expect
        .poll(() => db.rows.get(during.id)?.status, { timeout: 20_000, interval: 50 })
        .toBe('published');
      const seconds = (Date.now() - back) / 1000;
      expect(seconds).toBeLessThan(2);
      const resumed = logger.lines.filter((line) => line.level === 'info' && /is back/.test(line.message));
      expect(resumed).toHaveLength(1);
    } finally {
      await worker.stop();
      await running;
      await dispatch.close();
    }
  }, 60_000);
});
