import { createWorker, type Worker } from '@dispatch/worker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedEvent, StreamConsumer } from '../src/consumer.js';
import type { OrderCreated } from '../src/orders.js';
import { type RunningService, startService } from '../src/service.js';
import { postOrder, removeEverything, uniqueSettings, waitFor } from './helpers.js';

// The three parts in one process, against the machine's PostgreSQL and Redis.
const settings = uniqueSettings();
const redis = new Redis(settings.redisUrl);
let service: RunningService;
let worker: Worker;
let working: Promise<void>;
let consumer: StreamConsumer;
const handled: ReceivedEvent[] = [];

function startConsumer(overrides: { claimIdleMs?: number } = {}): StreamConsumer {
  const started = new StreamConsumer({
    redis,
    stream: settings.stream,
    group: settings.group,
    consumer: settings.consumer,
    processedKey: settings.processedKey,
    blockMs: 200,
    handle: (event) => {
      handled.push(event);
    },
    ...overrides,
  });
  void started.run();
  return started;
}

const orderOf = (event: ReceivedEvent): OrderCreated => event.cloudEvent.data as OrderCreated;

beforeAll(async () => {
  service = await startService(settings);
  worker = createWorker(service.dispatch, { cleanup: false, statsInterval: 0 });
  working = worker.run();
  consumer = startConsumer();
});

afterAll(async () => {
  await consumer?.stop();
  await worker?.stop();
  await working;
  await service?.close();
  await redis.quit();
  await removeEverything(settings);
});

describe('orders-postgres-redis', () => {
  const committed: { id: number; customer: string; eventId: string }[] = [];

  it('the consumer handles exactly the committed orders, once each, in per-customer order', async () => {
    const orders = [
      { customer: 'ada', totalCents: 4200 },
      { customer: 'grace', totalCents: 1750 },
      { customer: 'ada', totalCents: 800 },
      // Past grace's credit limit (10000): refused after the writes, so the order and its event roll back.
      { customer: 'grace', totalCents: 9000 },
      { customer: 'grace', totalCents: 300 },
      { customer: 'ada', totalCents: 1 },
    ];
    for (const order of orders) {
      const { status, body } = await postOrder(service.url, order);
      if (order.totalCents === 9000) {
        expect(status).toBe(422);
        expect(body.error).toContain('credit limit');
      } else {
        expect(status).toBe(201);
        committed.push({ id: body.id!, customer: order.customer, eventId: body.eventId! });
      }
    }
    // Refused by the schema before anything is written.
    expect((await postOrder(service.url, { customer: 'ada', totalCents: -5 })).status).toBe(400);

    await waitFor(() => handled.length >= committed.length, 'the consumer to handle every committed order');
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more may arrive

    expect(handled.map((e) => e.eventId).sort()).toEqual(committed.map((o) => o.eventId).sort());
    expect(new Set(handled.map((e) => e.eventId)).size).toBe(handled.length);
    for (const customer of ['ada', 'grace']) {
      expect(handled.filter((e) => orderOf(e).customer === customer).map((e) => orderOf(e).orderId)).toEqual(
        committed.filter((o) => o.customer === customer).map((o) => o.id),
      );
    }
    for (const event of handled) {
      expect(event).toMatchObject({ eventType: 'order.created', source: 'orders-service' });
      expect(event.key).toBe(`customer-${orderOf(event).customer}`);
      expect(event.cloudEvent).toMatchObject({
        specversion: '1.0',
        id: event.eventId,
        subject: `orders/${orderOf(event).orderId}`,
      });
    }
    // The refused order (9000 cents) was never handled. Compared on the order itself: a text search
    // of whole entries also matched timestamps, whose isoformat fraction can read "...900000".
    expect(handled.map((e) => orderOf(e).totalCents)).not.toContain(9000);

    // Nothing of the refused order anywhere: not in the orders table, not in the outbox.
    const rows = await service.orm.em
      .getConnection()
      .execute<{ customer: string; total_cents: number }[]>(
        `select customer, total_cents from "${settings.ordersTable}" order by id`,
      );
    expect(rows.map((r) => r.total_cents)).toEqual([4200, 1750, 800, 300, 1]);
    const { counts } = await service.dispatch.store.stats();
    expect(counts).toMatchObject({
      published: committed.length,
      pending: 0,
      retry: 0,
      failed: 0,
      processing: 0,
    });
    expect(consumer.stats).toMatchObject({
      handled: committed.length,
      duplicates: 0,
      malformed: 0,
      failures: 0,
    });
  });

  it('skips a second copy of an entry by event_id, and acknowledges it', async () => {
    const [[, fields]] = (await redis.xrange(settings.stream, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    await redis.xadd(settings.stream, '*', ...fields);

    await waitFor(() => consumer.stats.duplicates === 1, 'the duplicate to be skipped');
    expect(handled).toHaveLength(committed.length);
    expect(await pendingCount()).toBe(0);
  });

  it('takes over entries left pending by a consumer that died, and sets unreadable ones aside', async () => {
    await consumer.stop();
    const before = await redis.xlen(settings.stream);
    const { body } = await postOrder(service.url, { customer: 'ada', totalCents: 5 });
    await redis.xadd(settings.stream, '*', 'event_id', 'not-a-dispatch-event');
    await waitFor(async () => (await redis.xlen(settings.stream)) === before + 2, 'the worker to publish');

    // A consumer reads both entries, then dies without acknowledging them.
    await redis.xreadgroup('GROUP', settings.group, 'crashed', 'COUNT', 10, 'STREAMS', settings.stream, '>');
    expect(await pendingCount()).toBe(2);

    consumer = startConsumer({ claimIdleMs: 100 });
    await waitFor(() => handled.some((e) => e.eventId === body.eventId), 'the pending entry to be claimed');
    await waitFor(async () => (await pendingCount()) === 0, 'both entries to be acknowledged');
    expect(consumer.stats).toMatchObject({ claimed: 2, handled: 1, malformed: 1 });
    const [[, dead]] = (await redis.xrange(`${settings.stream}:dead-letter`, '-', '+')) as [
      [string, string[]],
    ];
    expect(dead).toEqual([
      'event_id',
      'not-a-dispatch-event',
      'dead_letter_reason',
      expect.stringContaining('missing'),
    ]);
  });
});

async function pendingCount(): Promise<number> {
  const [count] = (await redis.xpending(settings.stream, settings.group)) as [number];
  return count;
}
