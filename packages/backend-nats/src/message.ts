import {
  cloudEventJson,
  type OutboxEvent,
  RESERVED_FIELDS,
  type ScalarValue,
  type TimestampFormat,
  wireFields,
} from '@dispatch/core';

/** How the CloudEvent travels: the whole JSON event as the body, or data as body and `ce-*` headers. */
export type CloudEventMode = 'structured' | 'binary';

/** The `Content-Type` of a structured message (CloudEvents JSON format). */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

/** A message ready to publish: headers in order (all strings) and the body. */
export interface NatsMessage {
  headers: [name: string, value: string][];
  body: string;
}

export type MessageResult = { ok: true; message: NatsMessage } | { ok: false; problem: string };

const RESERVED_LOWER = new Set(RESERVED_FIELDS.map((name) => name.toLowerCase()));
const LINE_BREAK = /[\r\n]/;
const JSON_TYPE = /^application\/json\b|\+json\b|^text\/json\b/i;

function text(value: ScalarValue): string {
  return typeof value === 'string' ? value : String(value);
}

/** Why an extra field cannot be a header of its own, or undefined when it can. */
function fieldNameProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (name.includes(':')) return `field "${name}": a NATS header name cannot contain ":"`;
  if (RESERVED_LOWER.has(lower))
    return `field "${name}" differs from the reserved header "${lower}" only in case`;
  if (lower.startsWith('nats-'))
    return `field "${name}": "Nats-" headers are JetStream's own (Nats-Msg-Id, ...)`;
  if (lower.startsWith('ce-')) return `field "${name}": "ce-" headers carry CloudEvent attributes`;
  if (lower === 'content-type') return `field "${name}": Content-Type says what the body is`;
  return undefined;
}

/** The data as the body of a binary-mode message: JSON text, or a string as is for other media types. */
function binaryBody(event: OutboxEvent): string {
  if (event.data === null) return '';
  if (typeof event.data === 'string' && !JSON_TYPE.test(event.dataContentType)) return event.data;
  return JSON.stringify(event.data);
}

/**
 * The message for an event. Headers: `event_id`, `event_type`, `source`, `timestamp`, the extra
 * fields, `key`, `traceparent`, `tracestate` (as the Redis stream entry, minus `cloud_event`),
 * then `Content-Type` and, in binary mode, the CloudEvent attributes as `ce-*`. The body is the
 * CloudEvent JSON (structured) or the event's data (binary). Extra fields with a reserved name are
 * skipped, as in every backend (core refuses them on write; an old row may still have one); a
 * field that a header cannot carry, or that would shadow a header of the backend's, makes the
 * event unpublishable, and so does a value with a line break.
 */
export function toNatsMessage(
  event: OutboxEvent,
  mode: CloudEventMode,
  timestampFormat: TimestampFormat = 'isoformat',
): MessageResult {
  for (const name of Object.keys(event.fields)) {
    const problem = RESERVED_FIELDS.includes(name) ? undefined : fieldNameProblem(name);
    if (problem) return { ok: false, problem };
  }
  // Core's wire fields, in their order; the CloudEvent is the body or the `ce-*` headers instead.
  const fields = wireFields(event, { timestampFormat, cloudEvent: false });
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) headers.push([fields[i] as string, fields[i + 1] as string]);
  let body: string;
  if (mode === 'structured') {
    headers.push(['Content-Type', STRUCTURED_CONTENT_TYPE]);
    body = cloudEventJson(event);
  } else {
    headers.push(
      ['Content-Type', event.dataContentType],
      ['ce-specversion', event.specVersion],
      ['ce-id', event.id],
      ['ce-source', event.source],
      ['ce-type', event.eventType],
      ['ce-time', event.createdAt.toISOString()],
    );
    if (event.subject !== null) headers.push(['ce-subject', event.subject]);
    if (event.dataSchema !== null) headers.push(['ce-dataschema', event.dataSchema]);
    for (const [name, value] of Object.entries(event.extensions)) headers.push([`ce-${name}`, text(value)]);
    body = binaryBody(event);
  }
  for (const [name, value] of headers) {
    if (LINE_BREAK.test(value))
      return {
        ok: false,
        problem: `header "${name}" would hold a line break, which NATS headers cannot carry`,
      };
  }
  return { ok: true, message: { headers, body } };
}

/**
 * Bytes the message takes against the server's `max_payload`: the body plus the header block
 * (`NATS/1.0`, a `name: value` line per header, the blank line), with the headers the client adds.
 */
export function messageBytes(message: NatsMessage, added: readonly [string, string][]): number {
  let total = 10 + 2 + Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of [...message.headers, ...added]) {
    total += Buffer.byteLength(name, 'utf8') + 2 + Buffer.byteLength(value, 'utf8') + 2;
  }
  return total;
}
