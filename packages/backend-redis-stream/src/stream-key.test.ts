import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { dedupeKeyFor, hashTagOf, isStaticStreamName, streamResolver } from './stream-key.js';

describe('stream names', () => {
  const event = makeOutboxEvent({ eventType: 'order.paid', source: 'shop', key: 'c-1', backend: 'main' });

  it('fills every placeholder and keeps other braces (hash tags) as written', () => {
    const resolve = streamResolver('{app}:{event_type}:{source}:{key}:{backend}:{subject}');
    expect(resolve(event)).toBe('{app}:order.paid:shop:c-1:main:');
    expect(streamResolver('{{event_type}}')(event)).toBe('{order.paid}');
  });

  it('resolves the same template many times (no regex state leaks between calls)', () => {
    const resolve = streamResolver('s:{event_type}');
    expect([resolve(event), resolve(event), resolve(event)]).toEqual([
      's:order.paid',
      's:order.paid',
      's:order.paid',
    ]);
  });

  it('calls a function and refuses an empty answer', () => {
    expect(streamResolver((e) => `by-source:${e.source}`)(event)).toBe('by-source:shop');
    expect(() => streamResolver(() => '')(event)).toThrow(/non-empty/);
  });

  it('knows a static name from a template', () => {
    expect(isStaticStreamName('events')).toBe(true);
    expect(isStaticStreamName('{orders}')).toBe(true);
    expect(isStaticStreamName('events:{event_type}')).toBe(false);
  });

  it('finds the hash tag the way Redis Cluster does', () => {
    expect(hashTagOf('events')).toBe('events');
    expect(hashTagOf('{orders}:created')).toBe('orders');
    expect(hashTagOf('a{}b')).toBe('a{}b');
    expect(hashTagOf('a{b')).toBe('a{b');
    expect(dedupeKeyFor('events', 'id-1')).toBe('dispatch:idem:{events}:id-1');
    expect(dedupeKeyFor('{orders}:created', 'id-1')).toBe('dispatch:idem:{orders}:id-1');
  });
});
