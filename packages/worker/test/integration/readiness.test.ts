import type { Dispatch } from '@dispatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MetricsServer,
  pausedBackends,
  ReadinessCheck,
  startMetricsServer,
  Worker,
} from '../../src/index.js';
import { memoryOutboxOnRedis, redisReady, throwawayRedis } from './services.js';

const ready = await redisReady();

const get = async (port: number, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe.skipIf(!ready)('/livez, /readyz and /healthz through an outage of a throwaway Redis', () => {
  const redis = throwawayRedis();
  let dispatch: Dispatch;
  let worker: Worker;
  let running: Promise<void>;
  let server: MetricsServer;

  beforeAll(async () => {
    ({ dispatch } = await memoryOutboxOnRedis(
      redis.server,
      { stream_name: 'ready', socket_timeout: 1 },
      { SLEEP_TIME: 0.05 },
    ));
    worker = new Worker(dispatch, { cleanup: false, probeBaseMs: 100, probeMaxMs: 300 });
    running = worker.run();
    const readiness = new ReadinessCheck({
      store: dispatch.store,
      backends: dispatch.backends,
      paused: () => pausedBackends(worker.backendStatus()),
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
  });

  it('answers 503 on /readyz naming the backend while Redis is down, 200 on /livez, and 200 again after', async () => {
    await expect.poll(async () => (await get(server.port, '/readyz')).status, { timeout: 10_000 }).toBe(200);
    expect((await get(server.port, '/readyz')).body).toEqual({
      status: 'ready',
      store: { ok: true },
      backends: { default: { ok: true } },
    });

    await redis.server.stop();
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

    await redis.server.start();
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
