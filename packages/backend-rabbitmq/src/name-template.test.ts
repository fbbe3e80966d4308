import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { isStaticName, nameResolver, templateProblems } from './name-template.js';

describe('exchange and routing key templates', () => {
  const event = makeOutboxEvent({ eventType: 'order.paid', source: 'shop', key: 'c-1', backend: 'main' });

  it('fills every placeholder; a missing subject or key is empty', () => {
    const resolve = nameResolver('routing_key', '{event_type}.{source}.{key}.{backend}.{subject}');
    expect(resolve(event)).toBe('order.paid.shop.c-1.main.');
    expect(nameResolver('routing_key', '{key}')(makeOutboxEvent({ key: null }))).toBe('');
  });

  it('resolves the same template many times (no regex state leaks between calls)', () => {
    const resolve = nameResolver('exchange', 'x.{event_type}');
    expect([resolve(event), resolve(event), resolve(event)]).toEqual([
      'x.order.paid',
      'x.order.paid',
      'x.order.paid',
    ]);
  });

  it('calls a function, and refuses an answer that is not a string', () => {
    expect(nameResolver('exchange', (e) => `by-source.${e.source}`)(event)).toBe('by-source.shop');
    expect(nameResolver('exchange', () => '')(event)).toBe('');
    expect(() => nameResolver('exchange', () => 42 as unknown as string)(event)).toThrow(
      /exchange function returned 42 .*expected a string/,
    );
  });

  it('knows a fixed name from a template', () => {
    expect(isStaticName('events')).toBe(true);
    expect(isStaticName('')).toBe(true);
    expect(isStaticName('events.{source}')).toBe(false);
    expect(isStaticName(() => 'x')).toBe(false);
  });

  it('finds unknown placeholders, suggesting the near ones', () => {
    expect(templateProblems('{event_type}.{key}')).toEqual([]);
    expect(templateProblems('{eventtype}')[0]).toContain('did you mean {event_type}');
    expect(templateProblems('{tenant}')[0]).toMatch(/unknown placeholder \{tenant\}; \(placeholders:/);
    expect(templateProblems('{}')).toHaveLength(1);
  });
});
