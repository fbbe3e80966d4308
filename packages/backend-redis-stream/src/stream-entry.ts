import { fieldsToObject, type OutboxEvent, type WireFieldOptions, wireFields } from '@dispatch/core';

/** One stream entry as flat `[field, value, field, value, ...]`, every value a string. */
export type StreamEntry = string[];

/**
 * The entry the original library wrote (`event_id`, `event_type`, `source`, `timestamp`,
 * `cloud_event`, then the extra fields), plus `key` and W3C trace context when present: core's
 * one wire format.
 */
export function toStreamEntry(event: OutboxEvent, options: WireFieldOptions = {}): StreamEntry {
  return wireFields(event, options);
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
export const entryToObject: (entry: readonly string[]) => Record<string, string> = fieldsToObject;
