import type { PublishOutcome } from '@dispatch/core';
import { outcomeKinds } from '@dispatch/core/testing';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, makeEvents, openBackend } from './helpers.js';

describe.each(CLIENTS)('outage of a throwaway redis-server (%s)', (client) => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });

  afterAll(async () => {
    await server.destroy();
  });

  it('reports "unavailable" while Redis is down and publishes again after it restarts, same backend', async () => {
    const backend = await openBackend({
      client,
      host: '127.0.0.1',
      port: server.port,
      stream_name: 'outage',
      connect_timeout: 1,
      socket_timeout: 1,
    });
    try {
      expect(outcomeKinds(await backend.publish(makeEvents(3)))).toEqual([
        'published',
        'published',
        'published',
      ]);

      await server.stop();
      const started = Date.now();
      const down = await backend.publish(makeEvents(3));
      expect(outcomeKinds(down)).toEqual(['unavailable', 'unavailable', 'unavailable']);
      expect(Date.now() - started).toBeLessThan(3000);
      const health = await backend.health();
      expect(health.ok).toBe(false);
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['unavailable', 'unavailable']);

      await server.start();
      // The client reconnects on its own (backoff capped at 2 s); no new backend, no process restart.
      await expect
        .poll(async () => outcomeKinds(await backend.publish(makeEvents(1)))[0], {
          timeout: 10_000,
          interval: 250,
        })
        .toBe('published');
      const after = makeEvents(5);
      expect(outcomeKinds(await backend.publish(after))).toEqual(Array(5).fill('published'));
      expect((await backend.health()).ok).toBe(true);

      // A fresh server lost the first entries (no persistence) and the script cache: both recovered from.
      const inspect = new Redis({ host: '127.0.0.1', port: server.port });
      try {
        const entries = await inspect.xrange('outage', '-', '+');
        expect(entries.slice(-5).map(([, fields]) => fields[1])).toEqual(after.map((event) => event.id));
      } finally {
        inspect.disconnect();
      }
    } finally {
      await backend.close();
    }
  });

  it('a backend first used while Redis is down connects once it is back', async () => {
    await server.stop();
    const backend = await openBackend({
      client,
      host: '127.0.0.1',
      port: server.port,
      stream_name: 'late',
      connect_timeout: 1,
    });
    try {
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['unavailable', 'unavailable']);
      await server.start();
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
    } finally {
      await backend.close();
    }
  });

  it('a server out of memory: refused events are "unavailable", and every "published" one is in the stream', async () => {
    const full = await RedisServer.start({
      args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'],
    });
    const backend = await openBackend({
      client,
      host: '127.0.0.1',
      port: full.port,
      stream_name: 'oom',
      max_len: null,
    });
    const inspect = new Redis({ host: '127.0.0.1', port: full.port });
    try {
      const outcomes: PublishOutcome[] = [];
      for (let i = 0; i < 40 && !outcomes.some((outcome) => !outcome.ok); i++) {
        outcomes.push(...(await backend.publish(makeEvents(100, { data: { pad: 'x'.repeat(1000) } }))));
      }
      const refused = outcomes.filter((outcome) => !outcome.ok);
      expect(refused.length).toBeGreaterThan(0);
      for (const outcome of refused) {
        if (!outcome.ok) {
          expect(outcome.failure).toBe('unavailable');
          expect(outcome.error.message).toContain('OOM');
        }
      }
      const publishedRefs = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.ref] : []));
      const stored = (await inspect.xrange('oom', '-', '+')).map(([id]) => id);
      expect(stored).toEqual(publishedRefs);
    } finally {
      inspect.disconnect();
      await backend.close();
      await full.destroy();
    }
  });
});
