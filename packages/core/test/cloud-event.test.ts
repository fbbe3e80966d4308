import { describe, expect, it } from 'vitest';
import { cloudEventJson, toCloudEvent } from '../src/index.js';
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

describe('cloudEventJson', () => {
  const cases = {
    'every optional attribute': makeNewEvent({
      subject: 'order/"1"\n',
      dataSchema: 'https://example.com/s.json',
      extensions: { tenant: 'acme', count: 3, flag: false, traceparent: '00-abc-def-01' },
      data: { a: 1, b: [true, null, 'é \u2028'], c: { d: 1.5e300 } },
    }),
    'nothing optional': makeNewEvent({ data: null }),
    'scalar data': makeNewEvent({ data: 'text' }),
    'an all-digit extension name, which objects list first': makeNewEvent({
      extensions: { '7': 'x', a1: 1 },
    }),
    'an old row whose extension repeats a context attribute': {
      ...makeNewEvent({ data: [1] }),
      extensions: { type: 'other', zeta: 'z' },
    },
  };
  for (const [name, event] of Object.entries(cases)) {
    it(`is the text of JSON.stringify(toCloudEvent(event)): ${name}`, () => {
      expect(cloudEventJson(event)).toBe(JSON.stringify(toCloudEvent(event)));
    });
  }
});
