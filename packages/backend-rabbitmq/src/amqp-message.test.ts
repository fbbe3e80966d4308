import { formatTimestamp, toCloudEvent } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { isJsonContentType, messageFields, STRUCTURED_CONTENT_TYPE, toAmqpMessage } from './amqp-message.js';

const event = makeOutboxEvent({
  eventType: 'order.created',
  source: 'shop',
  subject: 'order/42',
  dataSchema: 'https://example.com/order.json',
  data: { total: 12.5, note: 'ünïcødé' },
  key: 'customer-7',
  extensions: {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tenant: 'acme',
    priority: 3,
  },
  fields: { region: 'eu', retries: 2, urgent: true },
});

describe('toAmqpMessage', () => {
  it('sets the AMQP properties from the event', () => {
    const { properties } = toAmqpMessage(event, 'structured', true);
    expect(properties).toMatchObject({
      messageId: event.id,
      timestamp: Math.floor(event.createdAt.getTime() / 1000),
      type: 'order.created',
      appId: 'shop',
      contentType: STRUCTURED_CONTENT_TYPE,
      deliveryMode: 2,
    });
    expect(toAmqpMessage(event, 'structured', false).properties.deliveryMode).toBe(1);
  });

  it('carries the wire fields as string headers, extra fields included', () => {
    const { headers } = toAmqpMessage(event, 'structured', true).properties;
    expect(headers).toEqual({
      region: 'eu',
      retries: '2',
      urgent: 'true',
      event_id: event.id,
      event_type: 'order.created',
      source: 'shop',
      timestamp: formatTimestamp(event.createdAt),
      key: 'customer-7',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });

  it('structured: the body is the CloudEvent JSON', () => {
    const { body } = toAmqpMessage(event, 'structured', true);
    expect(JSON.parse(body.toString('utf8'))).toEqual(toCloudEvent(event));
  });

  it('binary: the data is the body and every other attribute a cloudEvents: header', () => {
    const { body, properties } = toAmqpMessage(event, 'binary', true);
    expect(properties.contentType).toBe('application/json');
    expect(JSON.parse(body.toString('utf8'))).toEqual(event.data);
    const attributes = Object.fromEntries(
      Object.entries(properties.headers).filter(([name]) => name.startsWith('cloudEvents:')),
    );
    expect(attributes).toEqual({
      'cloudEvents:specversion': '1.0',
      'cloudEvents:id': event.id,
      'cloudEvents:source': 'shop',
      'cloudEvents:type': 'order.created',
      'cloudEvents:time': event.createdAt.toISOString(),
      'cloudEvents:subject': 'order/42',
      'cloudEvents:dataschema': 'https://example.com/order.json',
      'cloudEvents:traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'cloudEvents:tenant': 'acme',
      'cloudEvents:priority': 3,
    });
  });

  it('binary: text data of a non-JSON type goes out as is; no data is an empty body', () => {
    const text = makeOutboxEvent({ dataContentType: 'text/plain', data: 'hello' });
    expect(toAmqpMessage(text, 'binary', true).body.toString('utf8')).toBe('hello');
    const quoted = makeOutboxEvent({ dataContentType: 'application/vnd.api+json', data: 'hello' });
    expect(toAmqpMessage(quoted, 'binary', true).body.toString('utf8')).toBe('"hello"');
    expect(toAmqpMessage(makeOutboxEvent({ data: null }), 'binary', true).body).toHaveLength(0);
  });

  it('never lets an extra field take a reserved or cloudEvents: name', () => {
    const forged = makeOutboxEvent({
      fields: {
        event_id: 'forged',
        source: 'forged',
        'cloudEvents:id': 'forged',
        'CLOUDEVENTS:type': 'x',
        ok: 'yes',
      },
    });
    for (const mode of ['structured', 'binary'] as const) {
      const { headers } = toAmqpMessage(forged, mode, true).properties;
      expect(headers.event_id).toBe(forged.id);
      expect(headers.source).toBe(forged.source);
      expect(headers['CLOUDEVENTS:type']).toBeUndefined();
      expect(headers['cloudEvents:id']).toBe(mode === 'binary' ? forged.id : undefined);
      expect(headers.ok).toBe('yes');
    }
  });
});

describe('messageFields', () => {
  const received = (mode: 'structured' | 'binary', source = event) => {
    const { body, properties } = toAmqpMessage(source, mode, true);
    return {
      content: body,
      properties: { contentType: properties.contentType, headers: properties.headers },
    };
  };

  it.each(['structured', 'binary'] as const)('reads a %s message as the flat wire fields', (mode) => {
    const fields = messageFields(received(mode));
    expect(fields).toMatchObject({ event_id: event.id, key: 'customer-7', region: 'eu', retries: '2' });
    expect(Object.keys(fields).some((name) => name.startsWith('cloudEvents:'))).toBe(false);
    expect(JSON.parse(fields.cloud_event ?? '')).toEqual(toCloudEvent(event));
  });

  it('rebuilds text data and a missing body in binary mode', () => {
    const text = makeOutboxEvent({ dataContentType: 'text/plain', data: 'hello' });
    expect(JSON.parse(messageFields(received('binary', text)).cloud_event ?? '')).toEqual(toCloudEvent(text));
    const empty = makeOutboxEvent({ data: null });
    expect(JSON.parse(messageFields(received('binary', empty)).cloud_event ?? '')).toEqual(
      toCloudEvent(empty),
    );
  });

  it('knows JSON media types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/cloudevents+json')).toBe(true);
    expect(isJsonContentType('text/json')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType('application/jsonl')).toBe(false);
  });
});
