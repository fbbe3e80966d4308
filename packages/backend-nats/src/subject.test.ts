import { unknownPlaceholders } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import {
  patternCovers,
  publishSubjectProblem,
  streamSubjectsFor,
  subjectPatternProblem,
  subjectResolver,
} from './subject.js';

describe('subject templates', () => {
  const event = makeOutboxEvent({
    eventType: 'order.created',
    source: 'shop',
    subject: 'order-42',
    key: 'customer-7',
    backend: 'orders',
  });

  it('fills every placeholder the Redis stream_name template knows', () => {
    const resolve = subjectResolver('e.{event_type}.{source}.{subject}.{key}.{backend}');
    expect(resolve(event)).toBe('e.order.created.shop.order-42.customer-7.orders');
  });

  it('renders a missing subject or key as empty, which publishSubjectProblem then refuses', () => {
    const subject = subjectResolver('e.{key}')(makeOutboxEvent({ key: null }));
    expect(subject).toBe('e.');
    expect(publishSubjectProblem(subject)).toMatch(/empty token/);
  });

  it('uses a plain subject as it is, and a function of the event', () => {
    expect(subjectResolver('orders')(event)).toBe('orders');
    expect(subjectResolver((e) => `by-source.${e.source}`)(event)).toBe('by-source.shop');
    expect(() => subjectResolver((() => 42) as never)(event)).toThrow(/returned number/);
  });

  it('lists unknown {names}: NATS has no hash tags, so they are mistakes', () => {
    expect(unknownPlaceholders('e.{event_type}.{evnt_type}.{}')).toEqual(['evnt_type', '']);
    expect(unknownPlaceholders('e.{event_type}')).toEqual([]);
  });
});

describe('subject rules', () => {
  it.each([
    ['', /empty/],
    ['a b', /whitespace/],
    ['a\tb', /whitespace/],
    ['.a', /empty token/],
    ['a..b', /empty token/],
    ['a.', /empty token/],
    ['a.*', /wildcard/],
    ['a.>', /wildcard/],
    ['a.b*c', /inside the token/],
    ['$JS.API.STREAM.LIST', /reserves/],
    ['_INBOX.x', /reserves/],
    ['x'.repeat(3001), /longer than/],
  ])('refuses %j as a publish subject', (subject, problem) => {
    expect(publishSubjectProblem(subject)).toMatch(problem);
  });

  it('takes ordinary subjects, including non-ASCII and punctuation inside tokens', () => {
    for (const subject of ['events', 'events.order.created', 'a-b_c.d:e/f', 'ünï.cødé']) {
      expect(publishSubjectProblem(subject)).toBeUndefined();
    }
  });

  it('allows wildcards as whole tokens in stream subjects, ">" only last', () => {
    expect(subjectPatternProblem('events.>')).toBeUndefined();
    expect(subjectPatternProblem('events.*.created')).toBeUndefined();
    expect(subjectPatternProblem('events.>.x')).toMatch(/before its last token/);
    expect(subjectPatternProblem('events.a*')).toMatch(/inside the token/);
  });

  it('decides whether a stream subject takes a subject or a narrower pattern', () => {
    expect(patternCovers('events.>', 'events.order.created')).toBe(true);
    expect(patternCovers('events.>', 'events')).toBe(false);
    expect(patternCovers('events.*', 'events.order')).toBe(true);
    expect(patternCovers('events.*', 'events.order.created')).toBe(false);
    expect(patternCovers('events.order', 'events.order')).toBe(true);
    expect(patternCovers('events.order', 'events.order.x')).toBe(false);
    expect(patternCovers('events.>', 'events.*.x')).toBe(true);
    expect(patternCovers('events.*.x', 'events.>')).toBe(false);
    expect(patternCovers('events.a', 'events.*')).toBe(false);
    expect(patternCovers('>', 'anything.at.all')).toBe(true);
  });
});

describe('streamSubjectsFor', () => {
  it('is the subject itself when it is plain', () => {
    expect(streamSubjectsFor('orders.created')).toEqual(['orders.created']);
  });

  it('is the literal tokens before the first placeholder, then ">"', () => {
    expect(streamSubjectsFor('events.{event_type}')).toEqual(['events.>']);
    expect(streamSubjectsFor('app.orders.{source}.v1')).toEqual(['app.orders.>']);
    expect(streamSubjectsFor('app.x{key}')).toEqual(['app.>']);
  });

  it('cannot be worked out for a template that starts with a placeholder, or a function', () => {
    expect(streamSubjectsFor('{source}.events')).toBeUndefined();
    expect(streamSubjectsFor(() => 'x')).toBeUndefined();
  });
});
