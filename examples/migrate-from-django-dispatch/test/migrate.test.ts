import { randomBytes } from 'node:crypto';
import { redisStreamOptionsSchema } from '@dispatch/backend-redis-stream';
import { type DispatchConfig, resolveConfig } from '@dispatch/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  basicPublishers,
  loggingSettings,
  multiplePublishers,
  redisStreamOptions,
  retentionSettings,
  workerSettings,
} from '../dispatch.config.js';
import { runDemo } from '../src/demo.js';
import { readSeedGroup } from '../src/seed-consumer.js';

const id = randomBytes(4).toString('hex');
const names = {
  table: `outbox_migrate_${id}`,
  default: `migrate-${id}-events`,
  high_priority: `migrate-${id}-high_priority_events`,
};

/** The configuration file as written, pointed at this run's own table and streams on the local Redis. */
function ownNames(config: DispatchConfig): DispatchConfig {
  const publishers = Object.fromEntries(
    Object.entries(config.OUTBOX_PUBLISHERS).map(([name, publisher]) => [
      name,
      {
        ...publisher,
        OPTIONS: { ...publisher.OPTIONS, host: '127.0.0.1', stream_name: names[name as 'default'] },
      },
    ]),
  );
  return {
    ...config,
    OUTBOX_PUBLISHERS: publishers,
    OUTBOX_STORE: {
      ...config.OUTBOX_STORE,
      OPTIONS: { ...config.OUTBOX_STORE.OPTIONS, tableName: names.table },
    },
    LOGGING: { LEVEL: 'warn' },
  };
}

afterAll(async () => {
  const orm = await MikroORM.init({
    host: '127.0.0.1',
    user: 'postgres',
    dbName: 'test',
    entities: [],
    discovery: { warnWhenNoEntities: false },
  });
  await orm.em.getConnection().execute(`drop table if exists "${names.table}"`);
  await orm.close();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = [names.default, names.high_priority];
  for (const stream of keys.slice()) keys.push(...(await redis.keys(`dispatch:idem:{${stream}}:*`)));
  await redis.del(...keys);
  await redis.quit();
});

describe('the seed configuration page as dispatch.config.ts', () => {
  it('every snippet is a valid setting with the seed’s values', () => {
    const store = { STORE: '@dispatch/orm-mikro' };
    expect(() => resolveConfig({ OUTBOX_PUBLISHERS: basicPublishers, OUTBOX_STORE: store })).not.toThrow();
    const resolved = resolveConfig({
      OUTBOX_PUBLISHERS: multiplePublishers,
      OUTBOX_STORE: store,
      OUTBOX_WORKER: workerSettings,
      OUTBOX_RETENTION: retentionSettings,
      LOGGING: loggingSettings,
    });
    expect(Object.keys(resolved.OUTBOX_PUBLISHERS)).toEqual(['default', 'high_priority']);
    expect(resolved.OUTBOX_WORKER).toMatchObject({
      BATCH_SIZE: 100,
      SLEEP_TIME: 5,
      MAX_RETRIES: 3,
      RETRY_BACKOFF: true,
    });
    expect(resolved.OUTBOX_RETENTION).toMatchObject({
      CLEANUP_PUBLISHED: true,
      PUBLISHED_RETENTION_DAYS: 7,
      FAILED_RETENTION_DAYS: 30,
    });
    expect(resolved.LOGGING.LEVEL).toBe('info');

    // The backend options keep the seed's names, defaults and units: the full list and the short
    // basic form resolve to the same thing.
    const full = redisStreamOptionsSchema.parse(redisStreamOptions);
    const short = redisStreamOptionsSchema.parse(basicPublishers.default?.OPTIONS);
    expect(full).toMatchObject({
      host: 'localhost',
      port: 6379,
      db: 0,
      stream_name: 'events',
      max_len: 10000,
      connect_timeout: 5,
      socket_timeout: 5,
    });
    expect(short).toEqual(full);
    expect(redisStreamOptionsSchema.parse(multiplePublishers.high_priority?.OPTIONS)).toMatchObject({
      host: 'redis.example.com',
      stream_name: 'high_priority_events',
      max_len: 100000,
    });
  });
});

describe('a consumer written for the seed’s stream format', () => {
  it('reads every event Dispatch published, unchanged', async () => {
    const { published, read, handled } = await runDemo({ override: ownNames });

    // Routing: the page's publish_event(..., backend='high_priority') went to its own stream.
    expect(read.high_priority?.map((e) => e.event_type)).toEqual(['user.created']);
    expect(read.default?.map((e) => e.event_type)).toEqual(['user.updated', 'order.created', 'user.deleted']);
    // The rolled-back event (user 666) is nowhere: looked for in the events' data, not in entry
    // ids and timestamps, where the digits can turn up by chance.
    const payloads = Object.values(read).flatMap((events) => events.map((e) => e.cloud_event.data));
    expect(payloads).not.toContainEqual(expect.objectContaining({ user_id: 666 }));
    expect(payloads.length).toBe(4);

    const all = [...(read.default ?? []), ...(read.high_priority ?? [])];
    expect(all.map((e) => e.event_id).sort()).toEqual(published.map((e) => e.id).sort());
    for (const event of published) {
      const seen = all.find((e) => e.event_id === event.id)!;
      // The fields a seed consumer relies on, as the seed wrote them.
      expect(seen.event_type).toBe(event.eventType);
      expect(seen.source).toBe(event.source);
      expect(seen.timestamp.getTime()).toBe(event.createdAt.getTime());
      // The CloudEvent inside.
      expect(seen.cloud_event).toMatchObject({
        specversion: '1.0',
        id: event.id,
        type: event.eventType,
        source: event.source,
        time: event.createdAt.toISOString(),
        datacontenttype: 'application/json',
      });
      expect(seen.cloud_event.subject).toBe(event.subject ?? undefined);
      expect(seen.cloud_event.dataschema).toBe(event.dataSchema ?? undefined);
      expect(seen.cloud_event.data).toEqual(event.data ?? undefined);
      // publisher_config extras, as strings, plus the new `key` where there is one.
      const extras = Object.fromEntries(Object.entries(event.fields).map(([k, v]) => [k, String(v)]));
      expect(seen.extra).toEqual(event.key ? { ...extras, key: event.key } : extras);
    }

    const order = all.find((e) => e.event_type === 'order.created')!;
    expect(order.event_id).toBe('order-42-created');
    expect(order.cloud_event).toEqual({
      specversion: '1.0',
      id: 'order-42-created',
      source: 'https://shop.example.com/orders',
      type: 'order.created',
      time: '2026-11-27T12:00:00.000Z',
      subject: 'orders/42',
      datacontenttype: 'application/json',
      dataschema: 'https://shop.example.com/schemas/order-created.json',
      tenant: 'acme',
      data: { order_id: '42', lines: [{ sku: 'A-1', quantity: 2 }] },
    });
    expect(order.extra).toEqual({ channel: 'web' });
    expect(all.find((e) => e.event_type === 'user.updated')?.extra).toEqual({
      tenant: 'acme',
      priority: '5',
      key: 'user-123',
    });

    // Local handlers saw the committed events once each, never the rolled-back one.
    const ids = published.map((e) => e.id).sort();
    expect(handled.registry).toEqual([published[0]?.id]);
    expect(handled.created.slice().sort()).toEqual(ids);
    expect(handled.published.slice().sort()).toEqual(ids);

    // The same entries through a consumer group.
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const grouped = await readSeedGroup(redis, names.default, 'seed-consumers', 'c1', 100);
      expect(grouped.map((e) => e.event_id)).toEqual(read.default?.map((e) => e.event_id));
    } finally {
      await redis.quit();
    }
  });
});
