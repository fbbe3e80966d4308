import { cloudEventJson } from './cloud-event.js';
import { type OutboxEvent, RESERVED_FIELDS } from './event.js';

/**
 * How the `timestamp` field is written. `isoformat` is what the original Python library wrote
 * (`datetime.isoformat()` of an aware UTC time, `2026-01-02T03:04:05.678000+00:00`), which every
 * Python 3 `fromisoformat` reads; `toISOString` is JavaScript's `2026-01-02T03:04:05.678Z`, which
 * Python before 3.11 cannot parse.
 */
export type TimestampFormat = 'isoformat' | 'toISOString';

export const TIMESTAMP_FORMATS: readonly TimestampFormat[] = ['isoformat', 'toISOString'];

/** `date` in `format`. Like Python's `isoformat()`, a time on a whole second has no fraction. */
export function formatTimestamp(date: Date, format: TimestampFormat = 'isoformat'): string {
  const iso = date.toISOString();
  if (format === 'toISOString') return iso;
  const millis = date.getUTCMilliseconds();
  // toISOString is YYYY-MM-DDTHH:MM:SS.mmmZ (years 0-9999); the fraction becomes microseconds.
  return `${iso.slice(0, 19)}${millis === 0 ? '' : `.${iso.slice(20, 23)}000`}+00:00`;
}

export interface WireFieldOptions {
  /** @default 'isoformat' */
  timestampFormat?: TimestampFormat | undefined;
  /**
   * Whether `cloud_event` is among the fields; `false` for a backend that carries the CloudEvent
   * as the message body or as attribute headers of its own. @default true
   */
  cloudEvent?: boolean | undefined;
}

const TRACE_FIELDS = ['traceparent', 'tracestate'] as const;

/**
 * An event's message fields as flat `[name, value, name, value, ...]`, every value a string, in
 * the order the original library wrote them: `event_id`, `event_type`, `source`, `timestamp`,
 * `cloud_event` (the CloudEvent's JSON), then the event's own fields, then `key` and the W3C trace
 * context when present. The one wire format of every backend that writes named fields; an own
 * field never replaces a reserved one (core refuses such names on write, and they are skipped
 * here for a row written before).
 */
export function wireFields(event: OutboxEvent, options: WireFieldOptions = {}): string[] {
  const fields = [
    'event_id',
    event.id,
    'event_type',
    event.eventType,
    'source',
    event.source,
    'timestamp',
    formatTimestamp(event.createdAt, options.timestampFormat),
  ];
  if (options.cloudEvent !== false) fields.push('cloud_event', cloudEventJson(event));
  for (const [name, value] of Object.entries(event.fields)) {
    if (RESERVED_FIELDS.includes(name)) continue;
    fields.push(name, typeof value === 'string' ? value : String(value));
  }
  if (event.key !== null) fields.push('key', event.key);
  for (const name of TRACE_FIELDS) {
    const value = event.extensions[name];
    if (value !== undefined) fields.push(name, typeof value === 'string' ? value : String(value));
  }
  return fields;
}

/** Flat `[name, value, ...]` fields as an object, the shape consumers usually read. */
export function fieldsToObject(fields: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) object[fields[i] as string] = fields[i + 1] as string;
  return object;
}
