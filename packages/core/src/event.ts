/** A JSON value: what `data` may hold. Anything else is refused at publish time. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A scalar attribute value: CloudEvents extensions and extra stream fields are limited to these. */
export type ScalarValue = string | number | boolean;

/**
 * Where an event is in its life:
 * - `pending`: waiting to be claimed, from `availableAt` on (new, or scheduled);
 * - `retry`: a previous attempt failed; claimable again from `availableAt` on;
 * - `processing`: claimed by a worker, whose lease runs until `lockedUntil`;
 * - `published`: the backend accepted it (final);
 * - `failed`: rejected by the backend or out of retries, or marked failed by an operator (final
 *   until requeued).
 */
export type EventStatus = 'pending' | 'retry' | 'processing' | 'published' | 'failed';

export const EVENT_STATUSES: readonly EventStatus[] = [
  'pending',
  'retry',
  'processing',
  'published',
  'failed',
];

/** One failed attempt, kept in the event's short history. */
export interface AttemptRecord {
  /** When the attempt's outcome was recorded (ISO 8601, the store's clock). */
  at: string;
  error: string;
}

/** The most attempt records an event keeps; older ones are dropped first. */
export const MAX_ATTEMPT_HISTORY = 10;

/** The application-facing part of an event: what was published, independent of delivery state. */
export interface EventContent {
  /** UUIDv7: unique and time-ordered. */
  id: string;
  specVersion: '1.0';
  eventType: string;
  source: string;
  subject: string | null;
  dataContentType: string;
  dataSchema: string | null;
  data: JsonValue | null;
  /** Ordering key: events sharing a key are published in commit order, by one worker at a time. */
  key: string | null;
  /** CloudEvents extension attributes (lower-case names), carried inside the CloudEvent. */
  extensions: Record<string, ScalarValue>;
  /** Extra top-level fields for the message; never reserved names. */
  fields: Record<string, ScalarValue>;
  /** Name of the publisher in `OUTBOX_PUBLISHERS` that delivers this event. */
  publisher: string;
  /**
   * @deprecated Use `publisher`: the same value, kept for one minor release. Core sets both on
   * every event it builds or returns from a store.
   */
  backend: string;
  /** Retries allowed after the first attempt. */
  maxRetries: number;
  createdAt: Date;
}

/** An event as the outbox store holds it: its content plus its delivery state. */
export interface OutboxEvent extends EventContent {
  status: EventStatus;
  /** Attempts started so far, including one in flight. */
  attempts: number;
  /** Not claimable before this time (scheduling and retry backoff, on the store's clock). */
  availableAt: Date;
  publishedAt: Date | null;
  /** Last change of status (the store's clock); failed events age out from here. */
  updatedAt: Date;
  lastError: string | null;
  history: AttemptRecord[];
  /** Lease expiry while `processing`; null otherwise. */
  lockedUntil: Date | null;
  /** Store-assigned position used for per-key ordering; comparable within one store only. */
  sequence: number | null;
}

/**
 * An event ready to be written: its content, plus an optional delay. The store sets status
 * `pending`, attempts 0 and `availableAt` = its own clock's now + `delayMs`.
 */
export interface NewEvent extends EventContent {
  /** Absolute time the event becomes claimable (`scheduledAt`); null for "now". */
  scheduledAt: Date | null;
}

/** The fields every message entry reserves; extra fields may never use these names. */
export const RESERVED_FIELDS: readonly string[] = [
  'event_id',
  'event_type',
  'source',
  'timestamp',
  'cloud_event',
  'key',
  'traceparent',
  'tracestate',
];

/** CloudEvents context attribute names that an extension may not take. */
export const CLOUDEVENT_ATTRIBUTES: readonly string[] = [
  'id',
  'source',
  'specversion',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
  'data_base64',
];
