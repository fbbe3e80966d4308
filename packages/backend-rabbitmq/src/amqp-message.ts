import {
  CLOUDEVENT_ATTRIBUTES,
  cloudEventJson,
  fieldsToObject,
  type OutboxEvent,
  type ScalarValue,
  type TimestampFormat,
  wireFields,
} from '@dispatch/core';

/** Content type of a structured-mode message (CloudEvents JSON event format). */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** Prefix of the CloudEvents attributes in binary mode (CloudEvents AMQP protocol binding, 3.1.3.1). */
export const CLOUDEVENTS_PREFIX = 'cloudEvents:';

export type CloudEventMode = 'structured' | 'binary';

/** AMQP basic properties the backend sets on every message. */
export interface MessageProperties {
  messageId: string;
  /** Seconds since the epoch (AMQP timestamps have no milliseconds; the `timestamp` header has them). */
  timestamp: number;
  type: string;
  appId: string;
  contentType: string;
  deliveryMode: 1 | 2;
  headers: Record<string, ScalarValue>;
}

/** One event as an AMQP message: body and properties. */
export interface AmqpMessage {
  body: Buffer;
  properties: MessageProperties;
}

const JSON_TYPE = /^(application|text)\/json$|\+json$/i;

/** Whether a media type (parameters allowed) is JSON, so `data` goes out as JSON text. */
export function isJsonContentType(contentType: string): boolean {
  const media = contentType.split(';', 1)[0]?.trim() ?? '';
  return JSON_TYPE.test(media);
}

/** A name in the CloudEvents header space, which an extra field may not take. */
function isCloudEventsHeader(name: string): boolean {
  return name.toLowerCase().startsWith(CLOUDEVENTS_PREFIX.toLowerCase());
}

/**
 * Core's wire fields as headers, all strings (as in a Redis stream entry, less `cloud_event`,
 * which is the body or the `cloudEvents:` headers). Extra fields named like a reserved field or
 * a CloudEvents header are skipped.
 */
function wireHeaders(event: OutboxEvent, timestampFormat: TimestampFormat): Record<string, ScalarValue> {
  const fields = fieldsToObject(wireFields(event, { timestampFormat, cloudEvent: false }));
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !isCloudEventsHeader(name)));
}

/** Binary mode's body: the data as-is, JSON text for JSON media types, empty without data. */
function binaryBody(event: OutboxEvent): Buffer {
  if (event.data === null) return Buffer.alloc(0);
  if (typeof event.data === 'string' && !isJsonContentType(event.dataContentType)) {
    return Buffer.from(event.data, 'utf8');
  }
  return Buffer.from(JSON.stringify(event.data), 'utf8');
}

/** Every CloudEvents attribute but `datacontenttype` (which is the content type), prefixed. */
function cloudEventHeaders(event: OutboxEvent, headers: Record<string, ScalarValue>): void {
  headers[`${CLOUDEVENTS_PREFIX}specversion`] = event.specVersion;
  headers[`${CLOUDEVENTS_PREFIX}id`] = event.id;
  headers[`${CLOUDEVENTS_PREFIX}source`] = event.source;
  headers[`${CLOUDEVENTS_PREFIX}type`] = event.eventType;
  // The canonical string form keeps the milliseconds an AMQP timestamp would drop.
  headers[`${CLOUDEVENTS_PREFIX}time`] = event.createdAt.toISOString();
  if (event.subject !== null) headers[`${CLOUDEVENTS_PREFIX}subject`] = event.subject;
  if (event.dataSchema !== null) headers[`${CLOUDEVENTS_PREFIX}dataschema`] = event.dataSchema;
  for (const [name, value] of Object.entries(event.extensions)) {
    if (CLOUDEVENT_ATTRIBUTES.includes(name)) continue;
    headers[`${CLOUDEVENTS_PREFIX}${name}`] = value;
  }
}

/** The AMQP message for an event, in either CloudEvents content mode. */
export function toAmqpMessage(
  event: OutboxEvent,
  mode: CloudEventMode,
  persistent: boolean,
  timestampFormat: TimestampFormat = 'isoformat',
): AmqpMessage {
  const headers = wireHeaders(event, timestampFormat);
  let body: Buffer;
  let contentType: string;
  if (mode === 'binary') {
    cloudEventHeaders(event, headers);
    body = binaryBody(event);
    contentType = event.dataContentType;
  } else {
    body = Buffer.from(cloudEventJson(event), 'utf8');
    contentType = STRUCTURED_CONTENT_TYPE;
  }
  return {
    body,
    properties: {
      messageId: event.id,
      timestamp: Math.floor(event.createdAt.getTime() / 1000),
      type: event.eventType,
      appId: event.source,
      contentType,
      deliveryMode: persistent ? 2 : 1,
      headers,
    },
  };
}

/** What a consumer receives, in the shape amqplib hands it over. */
export interface ReceivedMessage {
  content: Buffer;
  properties: { contentType?: string | undefined; headers?: Record<string, unknown> | undefined };
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** JSON text parsed, or the text itself when it is not JSON after all. */
function parseOr(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** The CloudEvent of a binary-mode message, rebuilt from its headers, content type and body. */
function cloudEventOf(message: ReceivedMessage): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  const headers = message.properties.headers ?? {};
  const attribute = (name: string) => headers[`${CLOUDEVENTS_PREFIX}${name}`];
  for (const name of ['specversion', 'id', 'source', 'type', 'time'])
    event[name] = headerText(attribute(name));
  const contentType = message.properties.contentType;
  if (contentType !== undefined) event.datacontenttype = contentType;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(CLOUDEVENTS_PREFIX)) continue;
    const attributeName = name.slice(CLOUDEVENTS_PREFIX.length);
    if (attributeName in event) continue;
    event[attributeName] =
      typeof value === 'bigint' ? Number(value) : Buffer.isBuffer(value) ? headerText(value) : value;
  }
  if (message.content.length > 0) {
    const body = message.content.toString('utf8');
    event.data = contentType !== undefined && isJsonContentType(contentType) ? parseOr(body) : body;
  }
  return event;
}

/**
 * A received message as the flat string map every Dispatch backend writes (`event_id`,
 * `event_type`, `source`, `timestamp`, `cloud_event`, `key`, trace context, extra fields), in
 * either content mode: the same parser then fits Redis stream entries and RabbitMQ messages.
 */
export function messageFields(message: ReceivedMessage): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (name.startsWith(CLOUDEVENTS_PREFIX)) continue;
    const valueText = headerText(value);
    if (valueText !== undefined) fields[name] = valueText;
  }
  const contentType = message.properties.contentType ?? '';
  fields.cloud_event = contentType.toLowerCase().startsWith('application/cloudevents')
    ? message.content.toString('utf8')
    : JSON.stringify(cloudEventOf(message));
  return fields;
}
