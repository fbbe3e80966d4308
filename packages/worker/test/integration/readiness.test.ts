import { createDispatch, type Dispatch } from '@dispatch/core';
import { MemoryDatabase, memoryStore } from '@dispatch/core/testing';
import { hasCommand } from '@dispatch/test-services/processes';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricsServer, ReadinessCheck, startMetricsServer, Worker } from '../../src/index.js';
import { recordingLogger } from '../helpers.js';
import { canImport } from './services.js';

const ready = hasCommand('redis-server') && (await canImport('@dispatch/backend-redis-stream'));

const get = async (port: number, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.skipIf(!ready)('/livez, /readyz and /healthz through an outage of a throwaway Redis', () => {
  let redis: RedisServer;
  let dispatch: Dispatch;
  let worker: Worker;
  let running: Promise<void>;
  let server: MetricsServer;

  beforeAll(async () => {
    redis = await RedisServer.start({ dirPrefix: 'dispatch-worker-redis-' });
    const { redisStreamBackend } = await import('@dispatch/backend-redis-stream');
    dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: {
        default: {
          BACKEND: redisStreamBackend,
          OPTIONS: {
            host: '127.0.0.1',
            port: redis.port,
            stream_name: 'ready',
            connect_timeout: 1,
            socket_timeout: 1,
          },
          PUBLISH_TIMEOUT: 2,
        },
      },
      OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database: new MemoryDatabase() } },
      OUTBOX_WORKER: { SLEEP_TIME: 0.05 },
      LOGGING: { LOGGER: recordingLogger() },
    });
    worker = new Worker(dispatch, { cleanup: false, probeBaseMs: 100, probeMaxMs: 300 });
    running = worker.run();
    const readiness = new ReadinessCheck({
      store: dispatch.store,
      backends: dispatch.backends,
      paused: () =>
        new Set(
          Object.entries(worker.backendStatus())
            .filter(([, s]) => !s.up)
            .map(([n]) => n),
        ),
      cacheMs: 0,
      timeoutMs: 1500,
    });
    server = await startMetricsServer({ worker, port: 0, readiness: () => readiness.check() });
  });

  afterAll(async () => {
    await server?.close();
    await worker?.stop();
    await running;
    await dispatch?.close();
    await redis?.destroy();
  });

  it('answers 503 on /readyz naming the backend while Redis is down, 200 on /livez, and 200 again after', async () => {
    await expect.poll(async () => (await get(server.port, '/readyz')).status, { timeout: 10_000 }).toBe(200);
    expect((await get(server.port, '/readyz')).body).toEqual({
      status: 'ready',
      store: { ok: true },
      backends: { default: { ok: true } },
    });

    await redis.stop();
    const down = await get(server.port, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not ready');
    expect(down.body.store).toEqual({ ok: true });
    const backend = (down.body.backends as Record<string, { ok: boolean; reason?: string }>).default;
    expect(backend?.ok).toBe(false);
    expect(backend?.reason).toBeTruthy();
    // Alive all along: a liveness probe must not restart a worker that waits out an outage.
    expect(await get(server.port, '/livez')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get(server.port, '/healthz')).status).toBe(200);

    await redis.start();
    await expect.poll(async () => (await get(server.port, '/readyz')).status, { timeout: 15_000 }).toBe(200);
  });

  it('answers 503 on every probe once the worker has stopped', async () => {
    await worker.stop();
    await running;
    expect((await get(server.port, '/livez')).status).toBe(503);
    expect((await get(server.port, '/readyz')).status).toBe(503);
    expect((await get(server.port, '/healthz')).status).toBe(503);
  });
});
