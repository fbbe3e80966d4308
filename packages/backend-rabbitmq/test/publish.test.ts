import { ClosedError, formatTimestamp, type OutboxEvent, toCloudEvent } from '@dispatch/core';
import { SAMPLE_TRACEPARENT, wireSampleBatch } from '@dispatch/core/testing';
import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { messageFields, type RabbitmqOptionsInput, STRUCTURED_CONTENT_TYPE } from '../src/index.js';
import { errorText, makeEvent, makeEvents, outcomeKinds, randomName, sharedBrokerSuite } from './helpers.js';

describe('rabbitmq backend: publishing', () => {
  const suite = sharedBrokerSuite();

  /** A fresh topic exchange with a queue bound to everything, and a backend publishing to it. */
  const open = async (options: Partial<RabbitmqOptionsInput> = {}, pattern = '#') => {
    const exchange = await suite.inspector.exchange(randomName('publish'));
    const queue = await suite.inspector.queue(exchange, pattern);
    const backend = await suite.openBackend({ exchange, ...options });
    return { backend, exchange, queue };
  };

  it('structured mode: CloudEvent JSON body, AMQP properties, and the wire fields as headers', async () => {
    const { backend, queue } = await open();
    const events = wireSampleBatch(makeEvent);
    expect(outcomeKinds(await backend.publish(events))).toEqual(['published', 'published', 'published']);
    const messages = await suite.inspector.take(queue);
    expect(messages.map((message) => message.properties.messageId)).toEqual(events.map((event) => event.id));
    const [first, second, third] = messages;
    expect(first?.fields.routingKey).toBe('order.created');
    expect(first?.properties).toMatchObject({
      messageId: events[0]?.id,
      timestamp: Math.floor((events[0]?.createdAt.getTime() ?? 0) / 1000),
      type: 'order.created',
      appId: 'test-suite',
      contentType: STRUCTURED_CONTENT_TYPE,
      deliveryMode: 2,
      headers: {
        event_id: events[0]?.id,
        event_type: 'order.created',
        source: 'test-suite',
        timestamp: formatTimestamp(events[0]?.createdAt as Date),
      },
    });
    expect(JSON.parse(first?.content.toString('utf8') ?? '')).toEqual(toCloudEvent(events[0] as OutboxEvent));
    expect(second?.properties.headers).toMatchObject({
      key: 'customer-7',
      tenant: 'acme',
      priority: '2',
      urgent: 'true',
    });
    expect(third?.properties.headers).toMatchObject({
      traceparent: SAMPLE_TRACEPARENT,
      tracestate: 'x=1',
    });
  });

  it('binary mode: the data as body with its content type, attributes as cloudEvents: headers', async () => {
    const { backend, queue } = await open({ cloud_event_mode: 'binary' });
    const json = makeEvent({
      subject: 'order/9',
      data: { total: 3 },
      extensions: { tenant: 'acme', priority: 5 },
    });
    const text = makeEvent({ dataContentType: 'text/plain', data: 'plain words' });
    await backend.publish([json, text]);
    const [first, second] = await suite.inspector.take(queue);
    expect(first?.properties.contentType).toBe('application/json');
    expect(JSON.parse(first?.content.toString('utf8') ?? '')).toEqual({ total: 3 });
    expect(first?.properties.headers).toMatchObject({
      'cloudEvents:specversion': '1.0',
      'cloudEvents:id': json.id,
      'cloudEvents:source': 'test-suite',
      'cloudEvents:type': 'order.created',
      'cloudEvents:time': json.createdAt.toISOString(),
      'cloudEvents:subject': 'order/9',
      'cloudEvents:tenant': 'acme',
      'cloudEvents:priority': 5,
      event_id: json.id,
    });
    expect(second?.properties.contentType).toBe('text/plain');
    expect(second?.content.toString('utf8')).toBe('plain words');
    // The package's reader turns either mode back into the same flat fields.
    for (const [message, event] of [
      [first, json],
      [second, text],
    ] as const) {
      expect(JSON.parse(messageFields(message as Message).cloud_event ?? '')).toEqual(toCloudEvent(event));
    }
  });

  it('non-persistent messages when asked (delivery mode 1)', async () => {
    const { backend, queue } = await open({ persistent: false });
    await backend.publish([makeEvent()]);
    const [message] = await suite.inspector.take(queue);
    expect(message?.properties.deliveryMode).toBe(1);
  });

  it('routes by templated exchange and routing key', async () => {
    const prefix = randomName('tpl');
    const shop = await suite.inspector.exchange(`${prefix}.shop`);
    const billing = await suite.inspector.exchange(`${prefix}.billing`);
    const paidQueue = await suite.inspector.queue(shop, 'order.paid.#');
    const billingQueue = await suite.inspector.queue(billing, '#');
    const backend = await suite.openBackend({
      exchange: `${prefix}.{source}`,
      routing_key: '{event_type}.{key}',
      mandatory: false,
    });
    const paid = makeEvent({ source: 'shop', eventType: 'order.paid', key: 'c-1' });
    const created = makeEvent({ source: 'shop', eventType: 'order.created', key: 'c-1' });
    const invoiced = makeEvent({ source: 'billing', eventType: 'invoice.sent' });
    expect(outcomeKinds(await backend.publish([paid, created, invoiced]))).toEqual([
      'published',
      'published',
      'published',
    ]);
    const toPaid = await suite.inspector.take(paidQueue);
    expect(toPaid.map((message) => [message.fields.routingKey, message.properties.messageId])).toEqual([
      ['order.paid.c-1', paid.id],
    ]);
    const toBilling = await suite.inspector.take(billingQueue);
    expect(toBilling.map((message) => [message.fields.exchange, message.fields.routingKey])).toEqual([
      [`${prefix}.billing`, 'invoice.sent.'],
    ]);
  });

  it('routes by functions of the event, and to the default exchange by queue name', async () => {
    const queue = await suite.inspector.queue('');
    const backend = await suite.openBackend({ exchange: () => '', routing_key: () => queue });
    const events = makeEvents(2);
    expect(outcomeKinds(await backend.publish(events))).toEqual(['published', 'published']);
    expect((await suite.inspector.take(queue)).map((message) => message.properties.messageId)).toEqual(
      events.map((event) => event.id),
    );
  });

  it('mandatory: an event no queue receives is rejected, naming exchange and routing key', async () => {
    const { backend, exchange, queue } = await open({ routing_key: '{event_type}' }, 'order.*');
    const routable = makeEvent();
    const unroutable = makeEvent({ eventType: 'invoice.sent' });
    const outcomes = await backend.publish([routable, unroutable, makeEvent()]);
    expect(outcomeKinds(outcomes)).toEqual(['published', 'rejected', 'published']);
    expect(errorText(outcomes[1])).toContain(`exchange "${exchange}" (routing key "invoice.sent")`);
    expect(errorText(outcomes[1])).toContain('NO_ROUTE');
    expect((await suite.inspector.take(queue)).map((message) => message.properties.messageId)).not.toContain(
      unroutable.id,
    );
    // The channel survives a return: the next batch goes out as usual.
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
  });

  it('without mandatory an unroutable event is dropped by the broker and counts as published', async () => {
    const { backend } = await open({ mandatory: false }, 'nothing.matches');
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
  });

  it('a nack (a full queue with reject-publish) makes that event retryable', async () => {
    const exchange = await suite.inspector.exchange(randomName('nack'));
    const queue = await suite.inspector.queue(exchange, '#', 'classic', {
      'x-max-length': 2,
      'x-overflow': 'reject-publish',
    });
    const backend = await suite.openBackend({ exchange });
    const events = makeEvents(4);
    const outcomes = await backend.publish(events);
    expect(outcomeKinds(outcomes)).toEqual(['published', 'published', 'retryable', 'retryable']);
    expect(errorText(outcomes[2])).toContain('nacked');
    expect((await suite.inspector.take(queue)).map((message) => message.properties.messageId)).toEqual(
      events.slice(0, 2).map((event) => event.id),
    );
  });

  it('keyed events arrive in order at a queue consumer, within and across batches', async () => {
    const { backend, queue } = await open();
    const keys = ['a', 'b', 'c'];
    const sent: OutboxEvent[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const events = Array.from({ length: 60 }, (_, n) => makeEvent({ key: keys[n % keys.length] ?? 'a' }));
      expect(outcomeKinds(await backend.publish(events)).every((kind) => kind === 'published')).toBe(true);
      sent.push(...events);
    }
    const received: string[] = [];
    const channel = await suite.inspector.model.createChannel();
    await channel.prefetch(50);
    await new Promise<void>((resolve) => {
      void channel.consume(queue, (message) => {
        if (!message) return;
        received.push(message.properties.messageId as string);
        channel.ack(message);
        if (received.length === sent.length) resolve();
      });
    });
    await channel.close();
    const position = new Map(received.map((id, index) => [id, index]));
    for (const key of keys) {
      const ofKey = sent.filter((event) => event.key === key).map((event) => position.get(event.id) ?? -1);
      expect(ofKey.every((at, i) => at >= 0 && (i === 0 || at > (ofKey[i - 1] ?? -1)))).toBe(true);
    }
  });

  it('rejects without sending: a body over max_message_bytes, an over-long routing key, oversized headers', async () => {
    const { backend, queue } = await open({ max_message_bytes: 2000, routing_key: '{subject}' });
    const events = [
      makeEvent({ subject: 'ok' }),
      makeEvent({ subject: 'ok', data: { blob: 'x'.repeat(5000) } }),
      makeEvent({ subject: 'k'.repeat(256) }),
      makeEvent({
        subject: 'ok',
        fields: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, 'x'.repeat(8000)])),
      }),
      makeEvent({ subject: 'ok' }),
    ];
    const outcomes = await backend.publish(events);
    expect(outcomeKinds(outcomes)).toEqual(['published', 'rejected', 'rejected', 'rejected', 'published']);
    expect(errorText(outcomes[1])).toContain('max_message_bytes is 2000');
    expect(errorText(outcomes[2])).toContain('routing key');
    expect(errorText(outcomes[3])).toContain('cannot be sent as an AMQP message');
    expect((await suite.inspector.take(queue)).map((message) => message.properties.messageId)).toEqual([
      events[0]?.id,
      events[4]?.id,
    ]);
  });

  it('an exchange deleted after use: that batch is rejected, the next one declares it again', async () => {
    const exchange = randomName('deleted');
    suite.inspector.track(exchange);
    const backend = await suite.openBackend({ exchange, mandatory: false });
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
    await suite.inspector.channel.deleteExchange(exchange);
    const gone = await backend.publish([makeEvent()]);
    expect(outcomeKinds(gone)).toEqual(['rejected']);
    expect(errorText(gone[0])).toContain(`no exchange '${exchange}'`);
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
  });

  it('health: connection, server and exchange, with no credentials in it', async () => {
    const { backend, exchange } = await open();
    const health = await backend.health();
    expect(health.ok).toBe(true);
    expect(health.details).toMatchObject({
      target: 'amqp://127.0.0.1:5672/%2F',
      server: expect.stringMatching(/^RabbitMQ \d/),
      exchange,
      exchangeExists: true,
    });
    expect(JSON.stringify(health)).not.toContain('guest');
  });

  it('close() closes the connection and refuses later use', async () => {
    const { backend } = await open();
    await backend.publish([makeEvent()]);
    await backend.close();
    await expect(backend.publish([makeEvent()])).rejects.toBeInstanceOf(ClosedError);
    expect((await backend.health()).ok).toBe(false);
  });
});
