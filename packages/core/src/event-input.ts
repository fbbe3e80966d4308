import { v7 as uuidv7 } from 'uuid';
import type { CloudEvent } from './cloud-event.js';
import type { Issue } from './errors.js';
import {
  CLOUDEVENT_ATTRIBUTES,
  type JsonValue,
  type NewEvent,
  RESERVED_FIELDS,
  type ScalarValue,
} from './event.js';
import { findJsonProblems } from './json.js';

/** What an application passes to `publishEvent`. */
export interface PublishEventInput {
  /** e.g. `order.created`; 1 to 255 characters. */
  eventType: string;
  /** e.g. `order-service` or a URI; 1 to 255 characters. */
  source: string;
  /** Any JSON value. @default null */
  data?: unknown;
  subject?: string | null | undefined;
  /** Publisher name in `OUTBOX_PUBLISHERS`. @default 'default', or the only publisher */
  publisher?: string | undefined;
  /**
   * @deprecated Use `publisher`; kept for one minor release. Given with a different `publisher`,
   * publishing throws an `InvalidArgumentError`.
   */
  backend?: string | undefined;
  /** Ordering key: events with the same key are published in commit order, by one worker at a time. */
  key?: string | null | undefined;
  /** Not published before this time. */
  scheduledAt?: Date | null | undefined;
  /** Retries after the first attempt. @default OUTBOX_PUBLISHING.MAX_RETRIES, else OUTBOX_WORKER.MAX_RETRIES */
  maxRetries?: number | undefined;
  /** Your own id, for idempotent publishing: a second write with the same id is skipped. @default a new UUIDv7 */
  id?: string | undefined;
  /** @default 'application/json' */
  dataContentType?: string | undefined;
  dataSchema?: string | null | undefined;
  /** CloudEvents extension attributes: lower-case letters and digits, scalar values. */
  extensions?: Record<string, ScalarValue> | undefined;
  /** Extra top-level message fields: scalars, never a reserved name. */
  fields?: Record<string, ScalarValue> | undefined;
}

/** Options of `publishCloudEvent` besides the CloudEvent itself. */
export type PublishCloudEventOptions = Pick<
  PublishEventInput,
  'publisher' | 'backend' | 'key' | 'scheduledAt' | 'maxRetries' | 'fields'
>;

export interface EventLimits {
  maxPayloadBytes: number;
  defaultMaxRetries: number;
}

const MAX_NAME = 255;
const MAX_ID = 128;
const MAX_EXTENSION_NAME = 20;
const MAX_FIELD_NAME = 64;
const MAX_SCALAR_STRING = 8192;
const ID_PATTERN = /^[\x21-\x7e]+$/;
const EXTENSION_NAME = /^[a-z0-9]+$/;
const FIELD_NAME = /^[A-Za-z0-9_.:-]+$/;

function checkText(issues: Issue[], path: string, value: unknown, required: boolean, max = MAX_NAME): void {
  if (value === undefined || value === null) {
    if (required) issues.push({ path, message: 'is required' });
    return;
  }
  if (typeof value !== 'string') {
    issues.push({ path, message: `expected a string, got ${typeof value}` });
    return;
  }
  if (required && value.trim().length === 0) issues.push({ path, message: 'must not be empty' });
  else if (value.length > max)
    issues.push({ path, message: `is ${value.length} characters long; the limit is ${max}` });
}

function checkScalars(
  issues: Issue[],
  path: string,
  value: unknown,
  checkName: (name: string) => string | undefined,
  integersOnly: boolean,
): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ path, message: 'expected an object of name: value pairs' });
    return;
  }
  for (const [name, item] of Object.entries(value)) {
    const at = `${path}.${name}`;
    const nameProblem = checkName(name);
    if (nameProblem) issues.push({ path: at, message: nameProblem });
    if (typeof item === 'string') {
      if (item.length > MAX_SCALAR_STRING)
        issues.push({ path: at, message: `longer than ${MAX_SCALAR_STRING} characters` });
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item) || (integersOnly && !Number.isInteger(item))) {
        issues.push({
          path: at,
          message: integersOnly ? 'numbers must be integers' : 'numbers must be finite',
        });
      }
    } else if (typeof item !== 'boolean') {
      issues.push({
        path: at,
        message: `must be a string, number or boolean, got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}`,
      });
    }
  }
}

const extensionNameProblem = (name: string): string | undefined => {
  if (!EXTENSION_NAME.test(name)) return 'CloudEvents extension names use lower-case letters and digits only';
  if (name.length > MAX_EXTENSION_NAME) return `extension names are at most ${MAX_EXTENSION_NAME} characters`;
  if (CLOUDEVENT_ATTRIBUTES.includes(name)) return `"${name}" is a CloudEvents attribute, not an extension`;
  return undefined;
};

const fieldNameProblem = (name: string): string | undefined => {
  if (RESERVED_FIELDS.includes(name)) return `"${name}" is a reserved field (${RESERVED_FIELDS.join(', ')})`;
  if (!FIELD_NAME.test(name) || name.length > MAX_FIELD_NAME) {
    return `field names are 1-${MAX_FIELD_NAME} characters of letters, digits, _ . : -`;
  }
  return undefined;
};

/**
 * Validate one publish input and build the event to write. Returns every problem found; the
 * caller writes nothing when there is any.
 */
export function prepareEvent(
  input: PublishEventInput,
  publisher: string,
  limits: EventLimits,
  now: Date,
): { event: NewEvent; issues: [] } | { event: undefined; issues: Issue[] } {
  const issues: Issue[] = [];
  if (typeof input !== 'object' || input === null) {
    return {
      event: undefined,
      issues: [{ path: '', message: 'expected an object with eventType and source' }],
    };
  }
  checkText(issues, 'eventType', input.eventType, true);
  checkText(issues, 'source', input.source, true);
  checkText(issues, 'subject', input.subject, false);
  checkText(issues, 'key', input.key, false);
  checkText(issues, 'dataContentType', input.dataContentType, false);
  checkText(issues, 'dataSchema', input.dataSchema, false, 2048);
  if (input.key === '')
    issues.push({ path: 'key', message: 'must not be empty; leave it out for unordered events' });
  if (input.id !== undefined) {
    if (typeof input.id !== 'string' || !ID_PATTERN.test(input.id) || input.id.length > MAX_ID) {
      issues.push({
        path: 'id',
        message: `expected 1-${MAX_ID} printable characters without spaces (a UUID works)`,
      });
    }
  }
  if (input.scheduledAt !== undefined && input.scheduledAt !== null) {
    if (!(input.scheduledAt instanceof Date) || Number.isNaN(input.scheduledAt.getTime())) {
      issues.push({ path: 'scheduledAt', message: 'expected a valid Date' });
    }
  }
  if (input.maxRetries !== undefined) {
    if (!Number.isInteger(input.maxRetries) || input.maxRetries < 0 || input.maxRetries > 1000) {
      issues.push({ path: 'maxRetries', message: 'expected a whole number from 0 to 1000' });
    }
  }
  checkScalars(issues, 'extensions', input.extensions, extensionNameProblem, true);
  checkScalars(issues, 'fields', input.fields, fieldNameProblem, false);

  let data: JsonValue | null = null;
  if (input.data !== undefined && input.data !== null) {
    const problems = findJsonProblems(input.data);
    if (problems.length > 0) issues.push(...problems);
    else {
      const serialised = JSON.stringify(input.data);
      const bytes = Buffer.byteLength(serialised, 'utf8');
      if (bytes > limits.maxPayloadBytes) {
        issues.push({
          path: 'data',
          message: `is ${bytes} bytes as JSON; the limit is ${limits.maxPayloadBytes} (OUTBOX_PUBLISHING.MAX_PAYLOAD_BYTES)`,
        });
      } else {
        // Round-trip so the stored value is exactly what JSON carries (Dates become strings, etc.).
        data = JSON.parse(serialised) as JsonValue;
      }
    }
  }
  if (issues.length > 0) return { event: undefined, issues };

  return {
    event: {
      id: input.id ?? uuidv7(),
      specVersion: '1.0',
      eventType: input.eventType,
      source: input.source,
      subject: input.subject ?? null,
      dataContentType: input.dataContentType ?? 'application/json',
      dataSchema: input.dataSchema ?? null,
      data,
      key: input.key ?? null,
      extensions: { ...(input.extensions ?? {}) },
      fields: { ...(input.fields ?? {}) },
      publisher,
      backend: publisher,
      maxRetries: input.maxRetries ?? limits.defaultMaxRetries,
      createdAt: now,
      scheduledAt: input.scheduledAt ?? null,
    },
    issues: [],
  };
}

/**
 * Turn a CloudEvent (JSON form) into publish input, keeping every attribute: specversion must be
 * 1.0; `time` becomes the creation time; unknown attributes become extensions.
 */
export function cloudEventToInput(
  cloudEvent: CloudEvent,
  options: PublishCloudEventOptions,
): { input: PublishEventInput; createdAt: Date | undefined; issues: Issue[] } {
  const issues: Issue[] = [];
  if (typeof cloudEvent !== 'object' || cloudEvent === null) {
    return {
      input: {} as PublishEventInput,
      createdAt: undefined,
      issues: [{ path: '', message: 'expected a CloudEvent object' }],
    };
  }
  const { specversion, id, source, type, time, subject, datacontenttype, dataschema, data, ...rest } =
    cloudEvent;
  if (specversion !== '1.0')
    issues.push({ path: 'specversion', message: `expected "1.0", got ${JSON.stringify(specversion)}` });
  if (typeof id !== 'string' || id.length === 0)
    issues.push({ path: 'id', message: 'a CloudEvent needs an id' });
  if ('data_base64' in rest) {
    issues.push({
      path: 'data_base64',
      message: 'binary data is not supported; put base64 text in data instead',
    });
  }
  let createdAt: Date | undefined;
  if (time !== undefined) {
    createdAt = typeof time === 'string' ? new Date(time) : undefined;
    if (!createdAt || Number.isNaN(createdAt.getTime()))
      issues.push({ path: 'time', message: 'expected an RFC 3339 timestamp' });
  }
  const extensions: Record<string, ScalarValue> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (name === 'data_base64' || value === undefined) continue;
    extensions[name] = value as ScalarValue;
  }
  return {
    input: {
      ...options,
      id: id as string,
      eventType: type as string,
      source: source as string,
      subject: subject as string | undefined,
      dataContentType: datacontenttype as string | undefined,
      dataSchema: dataschema as string | undefined,
      data,
      extensions,
    },
    createdAt,
    issues,
  };
}
