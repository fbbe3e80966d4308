import { v7 as uuidv7 } from 'uuid';
import type { NewEvent, OutboxEvent } from '../event.js';

/**
 * A valid new event for tests; override any field. Ids are fresh UUIDv7s so tests never collide.
 * An override of `publisher` or of its deprecated name `backend` sets both.
 */
export function makeNewEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  const publisher = overrides.publisher ?? overrides.backend ?? 'default';
  return {
    id: uuidv7(),
    specVersion: '1.0',
    eventType: 'test.happened',
    source: 'conformance',
    subject: null,
    dataContentType: 'application/json',
    dataSchema: null,
    data: { n: 1 },
    key: null,
    extensions: {},
    fields: {},
    maxRetries: 3,
    createdAt: new Date(Math.floor(Date.now())),
    scheduledAt: null,
    ...overrides,
    publisher,
    backend: publisher,
  };
}

/** A claimed-looking outbox event for backend tests; override any field. */
export function makeOutboxEvent(overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  const { scheduledAt: _scheduledAt, ...content } = makeNewEvent();
  const publisher = overrides.publisher ?? overrides.backend ?? content.publisher;
  return {
    ...content,
    status: 'processing',
    attempts: 1,
    availableAt: content.createdAt,
    publishedAt: null,
    updatedAt: content.createdAt,
    lastError: null,
    history: [],
    lockedUntil: new Date(Date.now() + 30_000),
    sequence: null,
    ...overrides,
    publisher,
    backend: publisher,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A W3C `traceparent` for tests. */
export const SAMPLE_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * An event with each kind of wire field: own fields of every scalar type and one named like a
 * reserved field (which never goes out), a key, trace context, and another extension (which
 * travels in the CloudEvent only). `WIRE_FIELD_NAMES` are the fields `wireFields` writes for it.
 */
export function makeWireEvent(overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  return makeOutboxEvent({
    key: 'k',
    fields: { region: 'eu', count: 2, flag: false, event_id: 'forged' },
    extensions: { traceparent: 'tp', tracestate: 'ts', tenant: 'acme' },
    ...overrides,
  });
}

/** The names of `makeWireEvent()`'s wire fields, in the order they are written. */
export const WIRE_FIELD_NAMES: readonly string[] = [
  'event_id',
  'event_type',
  'source',
  'timestamp',
  'cloud_event',
  'region',
  'count',
  'flag',
  'key',
  'traceparent',
  'tracestate',
];

/**
 * Three events that between them carry each part of the wire format: a subject and nested data;
 * a key and own fields of each scalar type; trace context. `make` builds each one.
 */
export function wireSampleBatch(
  make: (overrides: Partial<OutboxEvent>) => OutboxEvent = makeOutboxEvent,
): OutboxEvent[] {
  return [
    make({ subject: 'order/1', data: { total: 12.5, items: ['a'] } }),
    make({ key: 'customer-7', fields: { tenant: 'acme', priority: 2, urgent: true } }),
    make({ extensions: { traceparent: SAMPLE_TRACEPARENT, tracestate: 'x=1' } }),
  ];
}

/** Event makers for a package's tests, as `countingEvents` returns them. */
export interface EventMakers {
  makeEvent: (overrides?: Partial<OutboxEvent>) => OutboxEvent;
  makeEvents: (count: number, overrides?: Partial<OutboxEvent>) => OutboxEvent[];
}

/**
 * `makeOutboxEvent` with `defaults(n)` under each event's overrides, `n` counting up from 1 over
 * the makers' life (so a test can tell its events apart, e.g. by `data.n`).
 */
export function countingEvents(defaults: (n: number) => Partial<OutboxEvent>): EventMakers {
  let n = 0;
  const makeEvent = (overrides: Partial<OutboxEvent> = {}): OutboxEvent => {
    n += 1;
    return makeOutboxEvent({ ...defaults(n), ...overrides });
  };
  const makeEvents = (count: number, overrides: Partial<OutboxEvent> = {}): OutboxEvent[] =>
    Array.from({ length: count }, () => makeEvent(overrides));
  return { makeEvent, makeEvents };
}
