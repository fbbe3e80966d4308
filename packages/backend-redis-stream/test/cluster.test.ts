import { randomUUID } from 'node:crypto';
import { outcomeKinds } from '@dispatch/core/testing';
import { RedisCluster } from '@dispatch/test-services/redis-server';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, makeEvent, makeEvents, openBackend } from './helpers.js';

describe('Redis Cluster (3 local masters)', () => {
  let cluster: RedisCluster;
  let inspect: Cluster;

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    inspect = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0] as number }]);
  });

  afterAll(async () => {
    inspect?.disconnect();
    await cluster?.destroy();
  });

  describe.each(CLIENTS)('%s', (client) => {
    const options = () => ({ client, cluster_nodes: [`127.0.0.1:${cluster.ports[0]}`], connect_timeout: 3 });

    it('publishes idempotently: the marker shares the stream hash slot', async () => {
      const stream = `dispatch-test:cluster:${randomUUID()}`;
      const backend = await openBackend({ ...options(), stream_name: stream });
      try {
        const events = makeEvents(100);
        const first = await backend.publish(events);
        expect(first.filter((outcome) => !outcome.ok)).toEqual([]);
        const again = await backend.publish(events);
        expect(again.map((outcome) => outcome.ok && outcome.ref)).toEqual(
          first.map((outcome) => outcome.ok && outcome.ref),
        );
        expect(await inspect.xlen(stream)).toBe(100);
        const marker = `dispatch:idem:{${stream}}:${events[0]?.id}`;
        expect(await inspect.cluster('KEYSLOT', marker)).toBe(await inspect.cluster('KEYSLOT', stream));
        expect(await inspect.exists(marker)).toBe(1);
        const health = await backend.health();
        expect(health.ok).toBe(true);
        expect(health.details).toMatchObject({ mode: 'cluster', streamLength: 100 });
      } finally {
        await backend.close();
      }
    });

    it('spreads streams over the nodes, one pipeline per hash tag, order kept per stream', async () => {
      const prefix = `dispatch-test:cluster:${randomUUID()}`;
      const backend = await openBackend({ ...options(), stream_name: `${prefix}:{event_type}` });
      const types = Array.from({ length: 12 }, (_, i) => `type${i}`);
      try {
        const events = Array.from({ length: 120 }, (_, i) =>
          makeEvent({ eventType: types[i % types.length] as string }),
        );
        const outcomes = await backend.publish(events);
        expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
        const slots = new Set<number>();
        for (const type of types) {
          const stream = `${prefix}:${type}`;
          slots.add((await inspect.cluster('KEYSLOT', stream)) as number);
          const entries = await inspect.xrange(stream, '-', '+');
          const expected = events.filter((event) => event.eventType === type).map((event) => event.id);
          expect(entries.map(([, fields]) => fields[1])).toEqual(expected);
        }
        expect(slots.size).toBeGreaterThan(1);
      } finally {
        await backend.close();
      }
    });

    it('reports "unavailable" while the whole cluster is down and publishes again after it restarts', async () => {
      const stream = `dispatch-test:cluster:${randomUUID()}`;
      const backend = await openBackend({ ...options(), stream_name: stream, socket_timeout: 2 });
      try {
        expect((await backend.publish(makeEvents(2))).every((outcome) => outcome.ok)).toBe(true);
        await cluster.stop();
        const started = Date.now();
        const down = await backend.publish(makeEvents(2));
        expect(outcomeKinds(down)).toEqual(['unavailable', 'unavailable']);
        expect(Date.now() - started).toBeLessThan(3000);
        await cluster.start();
        await expect
          .poll(async () => (await backend.publish(makeEvents(1)))[0]?.ok, { timeout: 15_000, interval: 250 })
          .toBe(true);
      } finally {
        await backend.close();
      }
    });

    it('keeps a user hash tag: streams sharing it share a slot with their markers', async () => {
      const tag = randomUUID();
      const backend = await openBackend({ ...options(), stream_name: `{${tag}}:{event_type}` });
      try {
        const events = [makeEvent({ eventType: 'a' }), makeEvent({ eventType: 'b' })];
        const outcomes = await backend.publish(events);
        expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
        const slot = await inspect.cluster('KEYSLOT', tag);
        expect(await inspect.cluster('KEYSLOT', `{${tag}}:a`)).toBe(slot);
        expect(await inspect.cluster('KEYSLOT', `dispatch:idem:{${tag}}:${events[0]?.id}`)).toBe(slot);
      } finally {
        await backend.close();
      }
    });
  });
});
