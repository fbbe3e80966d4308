import { describe, expect, it } from 'vitest';
import {
  eventNameResolver,
  hasPlaceholder,
  isPlainName,
  PLACEHOLDER_LIST,
  placeholderProblems,
  renderNameTemplate,
  unknownPlaceholders,
} from './name-template.js';
import { makeOutboxEvent } from './testing/fixtures.js';

describe('name templates', () => {
  const event = makeOutboxEvent({ eventType: 'order.paid', source: 'shop', key: 'o-1', subject: null });

  it('fills in every placeholder and keeps anything else as written', () => {
    const render = renderNameTemplate('{app}:{event_type}:{source}:{key}:{backend}:{subject}');
    expect(render(event)).toBe('{app}:order.paid:shop:o-1:default:');
    expect(renderNameTemplate('{{event_type}}')(event)).toBe('{order.paid}');
    expect(renderNameTemplate('plain')(event)).toBe('plain');
  });

  it('takes {publisher} and its original name {backend} for the publisher name', () => {
    const render = renderNameTemplate('{publisher}|{backend}');
    expect(render(makeOutboxEvent({ publisher: 'audit' }))).toBe('audit|audit');
    expect(unknownPlaceholders('{publisher}.{backend}')).toEqual([]);
  });

  it('tells plain names from templates', () => {
    expect(hasPlaceholder('a.{key}')).toBe(true);
    expect(hasPlaceholder('{orders}')).toBe(false);
    expect(isPlainName('events')).toBe(true);
    expect(isPlainName('events.{source}')).toBe(false);
    expect(isPlainName(() => 'x')).toBe(false);
  });

  it('lists every {...} that is not a placeholder', () => {
    expect(unknownPlaceholders('e.{event_type}.{evnt_type}.{}')).toEqual(['evnt_type', '']);
    expect(unknownPlaceholders('e.{event_type}')).toEqual([]);
    expect(PLACEHOLDER_LIST).toBe('{event_type} {source} {subject} {key} {publisher} {backend}');
  });

  it('checks what a name function returns with the backend’s own rule', () => {
    const refuseEmpty = (value: unknown) => (value === '' ? 'empty name' : undefined);
    expect(eventNameResolver((e) => `by-source.${e.source}`, refuseEmpty)(event)).toBe('by-source.shop');
    expect(() => eventNameResolver(() => '', refuseEmpty)(event)).toThrow(new TypeError('empty name'));
    expect(eventNameResolver('s:{event_type}', refuseEmpty)(event)).toBe('s:order.paid');
  });

  it('words each unknown placeholder with the nearest one, and a backend may keep far misses', () => {
    expect(placeholderProblems('{evnt_type}.{tenant}', { note: 'a note' })).toEqual([
      `unknown placeholder {evnt_type}; did you mean {event_type}? (placeholders: ${PLACEHOLDER_LIST}; a note)`,
      `unknown placeholder {tenant}; (placeholders: ${PLACEHOLDER_LIST}; a note)`,
    ]);
    expect(placeholderProblems('{evnt_type}.{tenant}', { nearMissesOnly: true })).toHaveLength(1);
  });
});
