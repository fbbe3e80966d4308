import { makeOutboxEvent } from '@dispatch/core/testing';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteStreams, inspector, openBackend, outcomeKinds, testTarget } from './helpers.js';

describe("the README's consumer", () => {
  let nc: NatsConnection;
  const { stream, prefix } = testTarget('consumer');

  beforeAll(async () => {
    nc = await inspector();
  });

  afterAll(async () => {
    await deleteStreams(nc, [stream]);
    await nc.close();
  });

  /** The README loop, stopping after `count` messages; returns what it handled. */
  async function consumeOnce(count: number): Promise<{ eventId: string; type: string; data: unknown }[]> {
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(stream, {
      durable_name: 'billing',
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${prefix}.order.>`,
    });
    const consumer = await jetstream(nc).consumers.get(stream, 'billing');
    const messages = await consumer.consume({ expires: 1000 });
    const handled: { eventId: string; type: string; data: unknown }[] = [];
    const timer = setTimeout(() => messages.stop(), 5000);
    for await (const msg of messages) {
      const eventId = msg.headers?.get('event_id') ?? '';
      const event = msg.json<{ type: string; data: unknown }>();
      handled.push({ eventId, type: event.type, data: event.data });
      msg.ack();
      if (handled.length === count) break;
    }
    clearTimeout(timer);
    return handled;
  }

  it('reads the events of its subjects in order, with the CloudEvent as the body, and acknowledges them', async () => {
    const backend = await openBackend({ stream, subject: `${prefix}.{event_type}` });
    const orders = [1, 2, 3].map((n) =>
      makeOutboxEvent({ eventType: 'order.created', data: { orderId: n } }),
    );
    const other = makeOutboxEvent({ eventType: 'user.signed-up' });
    try {
      const batch = [...orders.slice(0, 1), other, ...orders.slice(1)];
      expect(outcomeKinds(await backend.publish(batch))).toEqual(Array(4).fill('published'));
    } finally {
      await backend.close();
    }
    const handled = await consumeOnce(3);
    expect(handled).toEqual(orders.map((e) => ({ eventId: e.id, type: 'order.created', data: e.data })));
    // Every acknowledgement arrived, and nothing of its subjects is left: user.signed-up was filtered out.
    const jsm = await jetstreamManager(nc);
    await expect.poll(async () => (await jsm.consumers.info(stream, 'billing')).num_ack_pending).toBe(0);
    expect((await jsm.consumers.info(stream, 'billing')).num_pending).toBe(0);
  });
});
