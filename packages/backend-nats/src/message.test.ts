import { cloudEventJson, formatTimestamp } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { messageBytes, STRUCTURED_CONTENT_TYPE, toNatsMessage } from './message.js';

const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function built(...args: Parameters<typeof toNatsMessage>) {
  const result = toNatsMessage(...args);
  if (!result.ok) throw new Error(result.problem);
  return result.message;
}

describe('toNatsMessage', () => {
  const event = makeOutboxEvent({
    subject: 'order/42',
    dataSchema: 'https://example.com/order.json',
    key: 'customer-7',
    fields: { tenant: 'acme', retries: 2, urgent: true },
    extensions: { traceparent: trace, tracestate: 'k=v', priority: 3 },
    data: { total: 12.5 },
  });

  it('structured: the wire fields as headers, in order, and the CloudEvent JSON as the body', () => {
    const message = built(event, 'structured');
    expect(message.headers).toEqual([
      ['event_id', event.id],
      ['event_type', event.eventType],
      ['source', event.source],
      ['timestamp', formatTimestamp(event.createdAt)],
      ['tenant', 'acme'],
      ['retries', '2'],
      ['urgent', 'true'],
      ['key', 'customer-7'],
      ['traceparent', trace],
      ['tracestate', 'k=v'],
      ['Content-Type', STRUCTURED_CONTENT_TYPE],
    ]);
    expect(message.body).toBe(cloudEventJson(event));
  });

  it('binary: the data as the body and every CloudEvent attribute as a ce- header', () => {
    const message = built(event, 'binary');
    expect(message.headers.slice(10)).toEqual([
      ['Content-Type', 'application/json'],
      ['ce-specversion', '1.0'],
      ['ce-id', event.id],
      ['ce-source', event.source],
      ['ce-type', event.eventType],
      ['ce-time', event.createdAt.toISOString()],
      ['ce-subject', 'order/42'],
      ['ce-dataschema', 'https://example.com/order.json'],
      ['ce-traceparent', trace],
      ['ce-tracestate', 'k=v'],
      ['ce-priority', '3'],
    ]);
    expect(message.body).toBe('{"total":12.5}');
  });

  it('binary: a string is sent as is for a non-JSON media type, as JSON otherwise; no data is an empty body', () => {
    expect(built(makeOutboxEvent({ dataContentType: 'text/plain', data: 'hello' }), 'binary').body).toBe(
      'hello',
    );
    expect(built(makeOutboxEvent({ data: 'hello' }), 'binary').body).toBe('"hello"');
    expect(
      built(makeOutboxEvent({ dataContentType: 'application/vnd.x+json', data: 'hi' }), 'binary').body,
    ).toBe('"hi"');
    expect(built(makeOutboxEvent({ data: null }), 'binary').body).toBe('');
  });

  it('skips fields with a reserved name, as every backend does', () => {
    const message = built(
      makeOutboxEvent({ fields: { event_id: 'forged', key: 'forged', ok: 'yes' } }),
      'structured',
    );
    const names = message.headers.map(([name]) => name);
    expect(names.filter((name) => name === 'event_id')).toHaveLength(1);
    expect(names).not.toContain('key');
    expect(message.headers).toContainEqual(['ok', 'yes']);
  });

  it.each([
    ['a:b', /cannot contain ":"/],
    ['Event_ID', /only in case/],
    ['Nats-Rollup', /JetStream's own/],
    ['nats-msg-id', /JetStream's own/],
    ['ce-id', /CloudEvent attributes/],
    ['content-type', /what the body is/],
  ])('refuses the field %j, which a header cannot carry or which would shadow one', (name, why) => {
    const result = toNatsMessage(makeOutboxEvent({ fields: { [name]: 'x' } }), 'structured');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(why);
  });

  it('refuses values with a line break (a header cannot carry one)', () => {
    const result = toNatsMessage(makeOutboxEvent({ fields: { note: 'two\nlines' } }), 'structured');
    expect(result).toEqual({
      ok: false,
      problem: 'header "note" would hold a line break, which NATS headers cannot carry',
    });
    expect(toNatsMessage(makeOutboxEvent({ subject: 'a\r\nb' }), 'binary').ok).toBe(false);
    // In structured mode the CloudEvent subject is only in the JSON body, where it is escaped.
    expect(toNatsMessage(makeOutboxEvent({ subject: 'a\r\nb' }), 'structured').ok).toBe(true);
  });

  it('counts the bytes the message takes on the wire, headers the client adds included', () => {
    const message = { headers: [['a', 'bc'] as [string, string]], body: 'ü' };
    // "NATS/1.0\r\n" + "a: bc\r\n" + "Nats-Msg-Id: x\r\n" + "\r\n" + 2 bytes of body
    expect(messageBytes(message, [['Nats-Msg-Id', 'x']])).toBe(10 + 7 + 16 + 2 + 2);
  });
});
