import { describe, expect, it } from 'vitest';
import { Worker } from '../../src/index.js';
import { eventIds, memoryOutboxOnRedis, redisReady, throwawayRedis } from './services.js';

const ready = await redisReady();

describe.skipIf(!ready)('worker through an outage of a throwaway Redis', () => {
  const redis = throwawayRedis();

  it('keeps every attempt through the outage, logs it once each way, publishes everything after the restart', async () => {
    const { dispatch, db, logs } = await memoryOutboxOnRedis(
      redis.server,
      { stream_name: 'outage', socket_timeout: 1 },
      { BATCH_SIZE: 50, SLEEP_TIME: 0.05, MAX_RETRIES: 1, RETRY_BASE_DELAY: 0.1, RETRY_MAX_DELAY: 0.2 },
    );
    const worker = new Worker(dispatch, { cleanup: false, probeBaseMs: 100, probeMaxMs: 500 });
    const running = worker.run();
    const publish = (n: number) =>
      dispatch.publisher.publishEvents(
        Array.from({ length: n }, (_, i) => ({ eventType: 'outage.test', source: 'test', data: { i } })),
      );
    try {
      await publish(100);
      await expect.poll(() => eventIds(redis.server, 'outage').length, { timeout: 10_000 }).toBe(100);

      await redis.server.stop();
      const during = await publish(100);
      // Well past MAX_RETRIES × RETRY_MAX_DELAY: had the outage spent attempts, every event would have failed by now.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const rows = during.map((event) => db.rows.get(event.id)!);
      expect(rows.filter((row) => row.status === 'failed')).toEqual([]);
      expect(Math.max(...rows.map((row) => row.attempts))).toBeLessThanOrEqual(1);
      expect(worker.backendStatus().default?.up).toBe(false);

      await redis.server.start();
      await expect
        .poll(() => [...db.rows.values()].filter((row) => row.status === 'published').length, {
          timeout: 15_000,
        })
        .toBe(200);
      // The restarted server came back empty (no persistence): it holds exactly the outage's events.
      expect(new Set(eventIds(redis.server, 'outage'))).toEqual(new Set(during.map((event) => event.id)));
      for (const event of during) expect(db.rows.get(event.id)!.attempts).toBe(1);

      const down = logs.filter((line) => line.level === 'warn' && /unavailable; pausing/.test(line.message));
      const back = logs.filter((line) => line.level === 'info' && /is back/.test(line.message));
      expect(down).toHaveLength(1);
      expect(back).toHaveLength(1);
    } finally {
      await worker.stop();
      await running;
      await dispatch.close();
    }
  }, 60_000);

  it('resumes within 2 s of a long outage ending, with the default probe backoff', async () => {
    const { dispatch, db, logs } = await memoryOutboxOnRedis(
      redis.server,
      { stream_name: 'resume' },
      { BATCH_SIZE: 50, SLEEP_TIME: 0.05 },
    );
    // Probes 1 s doubling to 30 s (the defaults): after 12 s down the next one is several seconds off.
    const worker = new Worker(dispatch, { cleanup: false });
    const running = worker.run();
    try {
      await dispatch.publisher.publishEvent({ eventType: 'resume.test', source: 'test', data: {} });
      await expect.poll(() => eventIds(redis.server, 'resume').length, { timeout: 10_000 }).toBe(1);
      await redis.server.stop();
      const during = await dispatch.publisher.publishEvent({
        eventType: 'resume.test',
        source: 'test',
        data: {},
      });
      await expect.poll(() => worker.backendStatus().default?.up, { timeout: 10_000 }).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      await redis.server.start();
      const back = Date.now();
      await expect
        .poll(() => db.rows.get(during.id)?.status, { timeout: 20_000, interval: 50 })
        .toBe('published');
      const seconds = (Date.now() - back) / 1000;
      expect(seconds).toBeLessThan(2);
      const resumed = logs.filter((line) => line.level === 'info' && /is back/.test(line.message));
      expect(resumed).toHaveLength(1);
    } finally {
      await worker.stop();
      await running;
      await dispatch.close();
    }
  }, 60_000);
});
