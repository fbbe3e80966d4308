import { describe, expect, it } from 'vitest';
import { pausedBackends, ReadinessCheck } from './readiness.js';

const healthy = { health: async () => ({ ok: true }) };

describe('ReadinessCheck', () => {
  it('is ready when the store and every backend answer ok and none is paused', async () => {
    const check = new ReadinessCheck({
      store: healthy,
      backends: new Map([['default', healthy]]),
      paused: () => new Set(),
    });
    expect(await check.check()).toEqual({
      ready: true,
      store: { ok: true },
      backends: { default: { ok: true } },
    });
  });

  it('names the dependency that is down and why, with credentials masked', async () => {
    const check = new ReadinessCheck({
      store: {
        health: async () => ({ ok: false, error: 'connect ECONNREFUSED postgres://app:hunter2@db:5432' }),
      },
      backends: new Map([
        ['default', healthy],
        ['audit', { health: async () => Promise.reject(new Error('socket closed')) }],
      ]),
      paused: () => new Set(),
    });
    const readiness = await check.check();
    expect(readiness.ready).toBe(false);
    expect(readiness.store).toEqual({ ok: false, reason: 'connect ECONNREFUSED postgres://app:***@db:5432' });
    expect(readiness.backends).toEqual({
      default: { ok: true },
      audit: { ok: false, reason: 'socket closed' },
    });
  });

  it('reports a backend the worker has paused, even when its check answers', async () => {
    const check = new ReadinessCheck({
      store: healthy,
      backends: new Map([['default', healthy]]),
      paused: () => new Set(['default']),
    });
    const readiness = await check.check();
    expect(readiness.ready).toBe(false);
    expect(readiness.backends.default?.ok).toBe(false);
    expect(readiness.backends.default?.reason).toContain('paused');
  });

  it('gives up on a check that does not answer in time', async () => {
    const check = new ReadinessCheck({
      store: { health: () => new Promise(() => {}) },
      backends: new Map(),
      paused: () => new Set(),
      timeoutMs: 20,
    });
    expect(await check.check()).toEqual({
      ready: false,
      store: { ok: false, reason: 'no answer to the health check within 20 ms' },
      backends: {},
    });
  });

  it('reuses an answer for cacheMs and shares one round between concurrent callers', async () => {
    let calls = 0;
    let now = 0;
    const check = new ReadinessCheck({
      store: {
        health: async () => {
          calls += 1;
          return { ok: true };
        },
      },
      backends: new Map(),
      paused: () => new Set(),
      cacheMs: 1000,
      now: () => now,
    });
    await Promise.all([check.check(), check.check(), check.check()]);
    expect(calls).toBe(1);
    now = 999;
    await check.check();
    expect(calls).toBe(1);
    now = 1000;
    await check.check();
    expect(calls).toBe(2);
  });
});

describe('pausedBackends', () => {
  it('names the backends a worker reports down', () => {
    const status = { a: { up: true }, b: { up: false }, c: { up: false } };
    expect(pausedBackends(status)).toEqual(new Set(['b', 'c']));
    expect(pausedBackends({ a: { up: true } })).toEqual(new Set());
  });
});
