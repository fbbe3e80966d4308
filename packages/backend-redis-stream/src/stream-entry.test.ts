import { makeOutboxEvent, makeWireEvent, WIRE_FIELD_NAMES } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { entryBytes, entryExceeds, entryToObject, toStreamEntry } from './stream-entry.js';

describe('toStreamEntry', () => {
  it('puts the Django Dispatch fields first, then extras, key and trace context, all as strings', () => {
    const entry = toStreamEntry(makeWireEvent());
    expect(entry.filter((_, i) => i % 2 === 0)).toEqual(WIRE_FIELD_NAMES);
    expect(entryToObject(entry)).toMatchObject({ count: '2', flag: 'false', key: 'k', traceparent: 'tp' });
    // Other extensions travel inside the CloudEvent only.
    expect(entryToObject(entry).tenant).toBeUndefined();
    expect(JSON.parse(entryToObject(entry).cloud_event ?? '').tenant).toBe('acme');
  });

  it('skips extra fields named like reserved ones', () => {
    const event = makeOutboxEvent({ fields: { event_id: 'x', key: 'y', traceparent: 'z', ok: 'yes' } });
    const fields = entryToObject(toStreamEntry(event));
    expect(fields.event_id).toBe(event.id);
    expect(fields.key).toBeUndefined();
    expect(fields.traceparent).toBeUndefined();
    expect(fields.ok).toBe('yes');
  });

  it('counts bytes, not characters', () => {
    expect(entryBytes(['ü', '✓'])).toBe(5);
  });

  it('tells an entry over the limit by its bytes, whatever its characters', () => {
    // 2 characters, 5 bytes; 3 characters, 3 bytes; the 4-byte emoji is 2 UTF-16 units.
    expect(entryExceeds(['ü', '✓'], 4)).toBe(true);
    expect(entryExceeds(['ü', '✓'], 5)).toBe(false);
    expect(entryExceeds(['abc'], 2)).toBe(true);
    expect(entryExceeds(['abc'], 3)).toBe(false);
    expect(entryExceeds(['😀'], 3)).toBe(true);
    expect(entryExceeds(['😀'], 4)).toBe(false);
  });
});
