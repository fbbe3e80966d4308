import type {
  AttemptRecord,
  EventStatus,
  JsonValue,
  NewEvent,
  OutboxEvent,
  ScalarValue,
} from '@dispatch/core';

/** Insert column order; `seq` is assigned by the database. */
export const INSERT_COLUMNS = [
  'id',
  'spec_version',
  'event_type',
  'source',
  'subject',
  'data_content_type',
  'data_schema',
  'data',
  'ordering_key',
  'extensions',
  'fields',
  'backend',
  'max_retries',
  'created_at',
  'status',
  'attempts',
  'available_at',
  'updated_at',
  'history',
] as const;

/** Every column the store reads; `connect()` selects them to prove the schema is current. */
export const ALL_COLUMNS = [
  'seq',
  ...INSERT_COLUMNS,
  'published_at',
  'last_error',
  'locked_until',
  'lease_owner',
] as const;

export type Row = Record<string, unknown>;

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function toDate(value: unknown): Date {
  return new Date(toNumber(value));
}

function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

function toStringOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function parse<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string') return value as T;
  return JSON.parse(value) as T;
}

/** A JSON object column, most often the empty one (skipping the parser for it saves time per row). */
function parseObject<T extends object>(value: unknown): T {
  return value === '{}' ? ({} as T) : parse<T>(value, {} as T);
}

/**
 * Values for one `INSERT` row: the first 14 `INSERT_COLUMNS` in order, then the scheduled time (the
 * SQL fills status, attempts, available_at, updated_at and history itself).
 */
export function insertValues(event: NewEvent): unknown[] {
  return [
    event.id,
    event.specVersion,
    event.eventType,
    event.source,
    event.subject,
    event.dataContentType,
    event.dataSchema,
    event.data === null ? null : JSON.stringify(event.data),
    event.key,
    JSON.stringify(event.extensions ?? {}),
    JSON.stringify(event.fields ?? {}),
    // The publisher's name; the column keeps its original name, `backend`. An event built by hand
    // for the driver alone (core's wrapper sets both names) may carry only the deprecated one.
    event.publisher ?? event.backend,
    event.maxRetries,
    event.createdAt.getTime(),
    event.scheduledAt ? event.scheduledAt.getTime() : null,
  ];
}

/**
 * One `VALUES` row for `insertValues`; the SQL fills status, attempts, available_at, updated_at and
 * history. `int` types the integer placeholders where the database needs it (the dialect's `int`).
 */
export function insertRowSql(now: string, int: (placeholder: string) => string): string {
  return `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${int('?')}, ${int('?')}, 'pending', 0, COALESCE(${int('?')}, ${now}), ${now}, '[]')`;
}

/** A database row as the core `OutboxEvent`. Times are stored as epoch milliseconds (UTC). */
export function toEvent(row: Row): OutboxEvent {
  const history =
    row.history === '[]'
      ? []
      : parse<{ at: number | string; error: string }[]>(row.history, []).map(
          (entry): AttemptRecord => ({
            at: typeof entry.at === 'number' ? new Date(entry.at).toISOString() : String(entry.at),
            error: entry.error,
          }),
        );
  const publisher = String(row.backend);
  return {
    id: String(row.id),
    specVersion: '1.0',
    eventType: String(row.event_type),
    source: String(row.source),
    subject: toStringOrNull(row.subject),
    dataContentType: String(row.data_content_type),
    dataSchema: toStringOrNull(row.data_schema),
    data: parse<JsonValue | null>(row.data, null),
    key: toStringOrNull(row.ordering_key),
    extensions: parseObject<Record<string, ScalarValue>>(row.extensions),
    fields: parseObject<Record<string, ScalarValue>>(row.fields),
    publisher,
    // Deprecated alias of `publisher`, set until it is removed.
    backend: publisher,
    maxRetries: toNumber(row.max_retries),
    createdAt: toDate(row.created_at),
    status: String(row.status) as EventStatus,
    attempts: toNumber(row.attempts),
    availableAt: toDate(row.available_at),
    publishedAt: toDateOrNull(row.published_at),
    updatedAt: toDate(row.updated_at),
    lastError: toStringOrNull(row.last_error),
    history,
    lockedUntil: toDateOrNull(row.locked_until),
    sequence: toNumber(row.seq),
  };
}
