import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Backend,
  ClosedError,
  formatTimestamp,
  type OutboxEvent,
  type PublishOutcome,
  toCloudEvent,
} from '@dispatch/core';
import { SAMPLE_TRACEPARENT, wireSampleBatch } from '@dispatch/core/testing';
import { createClient } from '@redis/client';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStreamOptionsInput } from '../src/index.js';
import {
  CLIENTS,
  cleanup,
  inspector,
  makeEvent,
  makeEvents,
  openBackend,
  randomStream,
  readStream,
} from './helpers.js';

describe.each(CLIENTS)('redis-stream backend on %s', (client) => {
  let redis: Redis;
  const streams = new Set<string>();
  const backends: Backend[] = [];

  const open = async (
    options: Partial<RedisStreamOptionsInput> = {},
  ): Promise<{ backend: Backend; stream: string }> => {
    const stream = randomStream(client);
    streams.add(stream);
    const backend = await openBackend({ client, host: '127.0.0.1', stream_name: stream, ...options });
    backends.push(backend);
    return { backend, stream };
  };

  const ids = (outcomes: PublishOutcome[]) => outcomes.map((outcome) => outcome.id);
  const refs = (outcomes: PublishOutcome[]) =>
    outcomes.map((outcome) => (outcome.ok ? outcome.ref : undefined));

  beforeAll(() => {
    redis = inspector();
  });

  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
    await cleanup(redis, streams);
    streams.clear();
  });

  afterAll(() => {
    redis.disconnect();
  });

  it('writes one entry per event, in order, in the Django Dispatch entry format', async () => {
    const { backend, stream } = await open();
    const events = wireSampleBatch(makeEvent);
    const outcomes = await backend.publish(events);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(ids(outcomes)).toEqual(events.map((event) => event.id));

    const entries = await readStream(redis, stream);
    expect(entries.map((entry) => entry.id)).toEqual(refs(outcomes));
    expect(entries.map((entry) => entry.fields.event_id)).toEqual(events.map((event) => event.id));
    const [first, second, third] = entries.map((entry) => entry.fields);
    expect(first).toEqual({
      event_id: events[0]?.id,
      event_type: 'order.created',
      source: 'test-suite',
      timestamp: formatTimestamp(events[0]?.createdAt as Date, 'isoformat'),
      cloud_event: JSON.stringify(toCloudEvent(events[0] as OutboxEvent)),
    });
    expect(JSON.parse(first?.cloud_event ?? '')).toMatchObject({
      specversion: '1.0',
      subject: 'order/1',
      data: { total: 12.5 },
    });
    expect(second).toMatchObject({ key: 'customer-7', tenant: 'acme', priority: '2', urgent: 'true' });
    expect(third).toMatchObject({
      traceparent: SAMPLE_TRACEPARENT,
      tracestate: 'x=1',
    });
  });

  it('never lets an extra field overwrite a reserved one', async () => {
    const { backend, stream } = await open();
    const event = makeEvent({
      fields: { event_id: 'forged', source: 'forged', cloud_event: 'x', extra: 'kept' },
    });
    await backend.publish([event]);
    const [entry] = await readStream(redis, stream);
    expect(entry?.fields).toMatchObject({ event_id: event.id, source: 'test-suite', extra: 'kept' });
    expect(JSON.parse(entry?.fields.cloud_event ?? '').id).toBe(event.id);
  });

  it("writes timestamp as Python's isoformat() by default and as toISOString() when asked", async () => {
    const event = makeEvent({});
    const python = await open();
    await python.backend.publish([event]);
    const javascript = await open({ timestamp_format: 'toISOString' });
    await javascript.backend.publish([event]);
    const [first] = await readStream(redis, python.stream);
    const [second] = await readStream(redis, javascript.stream);
    expect(first?.fields.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/);
    expect(new Date(first?.fields.timestamp ?? '').getTime()).toBe(event.createdAt.getTime());
    expect(second?.fields.timestamp).toBe(event.createdAt.toISOString());
  });

  it('publishes a large batch in one call with an outcome per event', async () => {
    const { backend, stream } = await open({ max_len: null });
    const events = makeEvents(1000);
    const outcomes = await backend.publish(events);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1000);
    expect(await redis.xlen(stream)).toBe(1000);
    const entries = await readStream(redis, stream);
    expect(entries.map((entry) => entry.fields.event_id)).toEqual(events.map((event) => event.id));
  });

  describe('idempotent append', () => {
    it('publishing the same batch twice yields one entry per event and the original refs', async () => {
      const { backend, stream } = await open();
      const events = makeEvents(50);
      const first = await backend.publish(events);
      const second = await backend.publish(events);
      expect(second.every((outcome) => outcome.ok)).toBe(true);
      expect(refs(second)).toEqual(refs(first));
      expect(await redis.xlen(stream)).toBe(50);
    });

    it('dedupes across backend instances (a second worker re-publishing after a crash)', async () => {
      const { backend, stream } = await open();
      const events = makeEvents(5);
      const first = await backend.publish(events);
      const other = await openBackend({ client, host: '127.0.0.1', stream_name: stream });
      backends.push(other);
      const again = await other.publish([...events, makeEvent()]);
      expect(refs(again).slice(0, 5)).toEqual(refs(first));
      expect(await redis.xlen(stream)).toBe(6);
    });

    it('two workers publishing the same batch at the same moment still store each event once', async () => {
      const { backend, stream } = await open();
      const other = await openBackend({ client, host: '127.0.0.1', stream_name: stream });
      backends.push(other);
      const events = makeEvents(200);
      const [a, b] = await Promise.all([backend.publish(events), other.publish(events)]);
      expect(refs(a)).toEqual(refs(b));
      const entries = await readStream(redis, stream);
      expect(entries.map((entry) => entry.fields.event_id)).toEqual(events.map((event) => event.id));
    });

    it('keeps working after the server forgets its scripts (restart, failover)', async () => {
      const { backend, stream } = await open();
      const events = makeEvents(3);
      await backend.publish(events);
      await redis.script('FLUSH');
      const again = await backend.publish([...events, ...makeEvents(2)]);
      expect(again.every((outcome) => outcome.ok)).toBe(true);
      expect(await redis.xlen(stream)).toBe(5);
    });

    it('marks each event in the stream hash slot and forgets it after the window', async () => {
      const { backend, stream } = await open({ idempotency_window: 60 });
      const [event] = makeEvents(1);
      await backend.publish([event as OutboxEvent]);
      const marker = `dispatch:idem:{${stream}}:${event?.id}`;
      expect(await redis.ttl(marker)).toBeGreaterThan(50);
      expect(await redis.ttl(marker)).toBeLessThanOrEqual(60);
    });

    it('appends duplicates when turned off', async () => {
      const { backend, stream } = await open({ idempotent: false });
      const events = makeEvents(4);
      await backend.publish(events);
      await backend.publish(events);
      expect(await redis.xlen(stream)).toBe(8);
      expect(await redis.keys(`dispatch:idem:{${stream}}:*`)).toEqual([]);
    });
  });

  describe.each([true, false])('per-command replies (idempotent: %s)', (idempotent) => {
    it('reports a failed XADD as that event failing and publishes the rest', async () => {
      const prefix = randomStream(`${client}-types`);
      const good = `${prefix}:order.created`;
      const bad = `${prefix}:order.broken`;
      streams.add(good).add(bad);
      await redis.set(bad, 'not a stream');
      const { backend } = await open({ stream_name: `${prefix}:{event_type}`, idempotent });
      const events = [
        makeEvent(),
        makeEvent({ eventType: 'order.broken' }),
        makeEvent(),
        makeEvent({ eventType: 'order.broken' }),
      ];
      const outcomes = await backend.publish(events);
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true, false]);
      const failure = outcomes[1];
      if (failure?.ok !== false) throw new Error('expected a failure');
      expect(failure.failure).toBe('retryable');
      expect(failure.error.message).toContain('WRONGTYPE');
      expect(await redis.xlen(good)).toBe(2);
      expect(await redis.type(bad)).toBe('string');
    });
  });

  it('rejects an entry larger than max_entry_bytes without sending it', async () => {
    const { backend, stream } = await open({ max_entry_bytes: 2000 });
    const outcomes = await backend.publish([
      makeEvent(),
      makeEvent({ data: { blob: 'x'.repeat(5000) } }),
      makeEvent(),
    ]);
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.failure))).toEqual([
      'ok',
      'rejected',
      'ok',
    ]);
    expect(await redis.xlen(stream)).toBe(2);
  });

  describe('trimming', () => {
    it('exact max_len keeps exactly that many entries', async () => {
      const { backend, stream } = await open({ max_len: 5, trim: 'exact' });
      await backend.publish(makeEvents(20));
      const entries = await readStream(redis, stream);
      expect(entries).toHaveLength(5);
    });

    it('approximate max_len (the default mode) trims whole nodes, keeping at least max_len', async () => {
      const { backend, stream } = await open({ max_len: 10 });
      for (let i = 0; i < 5; i++) await backend.publish(makeEvents(200));
      const length = await redis.xlen(stream);
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThan(1000);
    });

    it.each([null, 0])('max_len %s disables trimming', async (maxLen) => {
      const { backend, stream } = await open({ max_len: maxLen, idempotent: false });
      await backend.publish(makeEvents(30));
      expect(await redis.xlen(stream)).toBe(30);
    });

    it.each([
      ['alone', null],
      ['with max_len', 1000],
    ])('max_age drops entries older than the limit (%s)', async (_label, maxLen) => {
      const { backend, stream } = await open({ max_age: 0.2, trim: 'exact', max_len: maxLen });
      await backend.publish(makeEvents(5));
      await sleep(300);
      const fresh = makeEvents(3);
      await backend.publish(fresh);
      const entries = await readStream(redis, stream);
      expect(entries.map((entry) => entry.fields.event_id)).toEqual(fresh.map((event) => event.id));
    });
  });

  describe('stream per event', () => {
    it('routes by a template', async () => {
      const prefix = randomStream(`${client}-tpl`);
      const { backend } = await open({ stream_name: `${prefix}:{event_type}` });
      const created = `${prefix}:order.created`;
      const paid = `${prefix}:order.paid`;
      streams.add(created).add(paid);
      await backend.publish([makeEvent(), makeEvent({ eventType: 'order.paid' }), makeEvent()]);
      expect(await redis.xlen(created)).toBe(2);
      expect(await redis.xlen(paid)).toBe(1);
    });

    it('routes by a function of the event', async () => {
      const prefix = randomStream(`${client}-fn`);
      const { backend } = await open({ stream_name: (event: OutboxEvent) => `${prefix}:${event.source}` });
      streams.add(`${prefix}:a`).add(`${prefix}:b`);
      await backend.publish([
        makeEvent({ source: 'a' }),
        makeEvent({ source: 'b' }),
        makeEvent({ source: 'b' }),
      ]);
      expect(await redis.xlen(`${prefix}:a`)).toBe(1);
      expect(await redis.xlen(`${prefix}:b`)).toBe(2);
    });
  });

  it('wait_replicas: a write no replica confirmed is not counted as published', async () => {
    const { backend, stream } = await open({ wait_replicas: 1, wait_timeout: 0.1 });
    const events = makeEvents(2);
    await backend.publish(events);
    // Published again (a retry): the entries exist, but they are still unconfirmed.
    const outcomes = await backend.publish(events);
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.failure).toBe('unavailable');
        expect(outcome.error.message).toMatch(/0 of 1 replicas/);
      }
    }
    // Written to the primary; with idempotent append the retry will not duplicate it.
    expect(await redis.xlen(stream)).toBe(2);
  });

  it('health: PING plus whether the stream exists and its length', async () => {
    const { backend, stream } = await open();
    expect((await backend.health()).details).toMatchObject({ ping: 'PONG', stream, streamExists: false });
    await backend.publish(makeEvents(3));
    const health = await backend.health();
    expect(health.ok).toBe(true);
    expect(health.details).toMatchObject({ client, streamExists: true, streamLength: 3 });
    await redis.del(stream);
    await redis.set(stream, 'x');
    const wrong = await backend.health();
    expect(wrong.ok).toBe(false);
    expect(wrong.error).toContain('holds a string');
  });

  it('uses a ready-made client and leaves it open on close()', async () => {
    const stream = randomStream(`${client}-ready-made`);
    streams.add(stream);
    const ioredis = client === 'ioredis' ? new Redis({ host: '127.0.0.1', port: 6379 }) : undefined;
    const nodeRedis =
      client === 'node-redis'
        ? await createClient({ socket: { host: '127.0.0.1', port: 6379 } }).connect()
        : undefined;
    try {
      const backend = await openBackend({ client: ioredis ?? nodeRedis, stream_name: stream });
      const outcomes = await backend.publish(makeEvents(3));
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      expect((await backend.health()).details).toMatchObject({ client, streamLength: 3 });
      await backend.close();
      expect(await (ioredis ? ioredis.ping() : nodeRedis?.ping())).toBe('PONG');
    } finally {
      ioredis?.disconnect();
      nodeRedis?.destroy();
    }
  });

  it('close() quits its connection and refuses later use', async () => {
    const name = 'dispatch-outbox';
    const count = async () =>
      String(await redis.client('LIST'))
        .split('\n')
        .filter((line: string) => line.includes(`name=${name} `)).length;
    const before = await count();
    const { backend } = await open();
    await backend.publish(makeEvents(1));
    expect(await count()).toBe(before + 1);
    await backend.close();
    await expect.poll(count).toBe(before);
    await expect(backend.publish(makeEvents(1))).rejects.toBeInstanceOf(ClosedError);
  });
});
