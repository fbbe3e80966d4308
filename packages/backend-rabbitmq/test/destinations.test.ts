import type { Backend } from '@dispatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageFields } from '../src/index.js';
import { Inspector, makeEvents, openBackend, type QueueKind, randomName, SHARED_URL } from './helpers.js';

describe('destinations: every kind of queue bound to the exchange gets every event, in order', () => {
  let inspector: Inspector;
  let backend: Backend;
  let exchange = '';
  const queues = new Map<QueueKind, string>();

  beforeAll(async () => {
    inspector = await Inspector.open();
    exchange = await inspector.exchange(randomName('destinations'));
    for (const kind of ['classic', 'quorum', 'stream'] as const)
      queues.set(kind, await inspector.queue(exchange, 'order.#', kind));
    backend = await openBackend({ url: SHARED_URL, exchange });
  });

  afterAll(async () => {
    await backend.close();
    await inspector.close();
  });

  it('publishes once to all three', async () => {
    const events = makeEvents(25);
    const outcomes = await backend.publish(events);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const ids = events.map((event) => event.id);

    const classic = await inspector.take(queues.get('classic') as string);
    expect(classic.map((message) => message.properties.messageId)).toEqual(ids);

    const quorum = await inspector.take(queues.get('quorum') as string);
    expect(quorum.map((message) => message.properties.messageId)).toEqual(ids);
    expect(quorum[0]?.properties.deliveryMode).toBe(2);

    // A stream keeps its messages: a consumer reads them from the first offset, with a prefetch.
    const stream = await inspector.readStream(queues.get('stream') as string, events.length);
    expect(stream.map((message) => message.properties.messageId)).toEqual(ids);
    expect(messageFields(stream[0] as (typeof stream)[number]).event_id).toBe(ids[0]);
  });
});
