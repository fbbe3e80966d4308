import { cloudEventJson, type OutboxEvent, RESERVED_FIELDS, type ScalarValue } from '@dispatch/core';

/** One stream entry as flat `[field, value, field, value, ...]`, every value a string. */
export type StreamEntry = string[];

const TRACE_FIELDS = ['traceparent', 'tracestate'] as const;

function text(value: ScalarValue): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * The entry the seed wrote (`event_id`, `event_type`, `source`, `timestamp`, `cloud_event`, then
 * the extra fields), plus `key` and W3C trace context when present. Extra fields never replace a
 * reserved one: core refuses such names on write, and they are skipped here too in case a store
 * hands back an older row.
 */
export function toStreamEntry(event: OutboxEvent): StreamEntry {
  const entry: StreamEntry = [
    'event_id',
    event.id,
    'event_type',
    event.eventType,
    'source',
    event.source,
    'timestamp',
    event.createdAt.toISOString(),
    'cloud_event',
    cloudEventJson(event),
  ];
  for (const [name, value] of Object.entries(event.fields)) {
    if (RESERVED_FIELDS.includes(name)) continue;
    entry.push(name, text(value));
  }
  if (event.key !== null) entry.push('key', event.key);
  for (const name of TRACE_FIELDS) {
    const value = event.extensions[name];
    if (value !== undefined) entry.push(name, text(value));
  }
  return entry;
}

/** Bytes the entry's names and values take on the wire (without protocol framing). */
export function entryBytes(entry: StreamEntry): number {
  let total = 0;
  for (const part of entry) total += Buffer.byteLength(part, 'utf8');
  return total;
}

/**
 * Whether the entry is larger than `limit` bytes. A UTF-16 code unit is at most 3 bytes in UTF-8,
 * so most entries are cleared from their string lengths alone, without encoding them.
 */
export function entryExceeds(entry: StreamEntry, limit: number): boolean {
  let units = 0;
  for (const part of entry) units += part.length;
  return units * 3 > limit && entryBytes(entry) > limit;
}

/** A flat field list as an object, the shape consumers usually read. */
export function entryToObject(entry: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < entry.length; i += 2) out[entry[i] as string] = entry[i + 1] as string;
  return out;
}
