import { describe, expect, it } from 'vitest';
import { toCloudEvent } from '../src/index.js';
import { makeNewEvent } from '../src/testing/index.js';

describe('toCloudEvent', () => {
  it('always has id and time, and keeps every optional attribute and extension', () => {
    const event = makeNewEvent({
      subject: 'order/1',
      dataSchema: 'https://example.com/s.json',
      extensions: { tenant: 'acme', traceparent: '00-abc-def-01' },
      data: { a: 1 },
    });
    expect(toCloudEvent(event)).toEqual({
      specversion: '1.0',
      id: event.id,
      source: event.source,
      type: event.eventType,
      time: event.createdAt.toISOString(),
      subject: 'order/1',
      datacontenttype: 'application/json',
      dataschema: 'https://example.com/s.json',
      tenant: 'acme',
      traceparent: '00-abc-def-01',
      data: { a: 1 },
    });
  });

  it('leaves out what is not set', () => {
    const event = makeNewEvent({ data: null });
    const cloudEvent = toCloudEvent(event);
    expect(cloudEvent).not.toHaveProperty('subject');
    expect(cloudEvent).not.toHaveProperty('dataschema');
    expect(cloudEvent).not.toHaveProperty('data');
    expect(cloudEvent.time).toBe(event.createdAt.toISOString());
  });
});
