import {
  missingCertOrKey,
  type OutboxEvent,
  optionSchemas,
  type SameKeys,
  type TlsFileOptions,
} from '@dispatch/core';
import { z } from 'zod';
import { isStaticName, templateProblems } from './name-template.js';

/** Picks the exchange or the routing key for an event. */
export type NameFunction = (event: OutboxEvent) => string;

/** TLS settings: file paths resolve against the configuration file's folder. */
export interface TlsFilesInput extends Omit<TlsFileOptions, 'ca'> {
  /** PEM file(s) of the certificate authorities to trust; the system's CAs when absent. */
  ca?: string | string[] | undefined;
  /** Passphrase of an encrypted `key`; never logged. */
  passphrase?: string | undefined;
  /** Name to check the broker's certificate against (SNI). @default the host */
  servername?: string | undefined;
  /** Refuse a broker whose certificate does not verify. @default true */
  reject_unauthorized?: boolean | undefined;
}

const { wholeNumber, filePath, timestampFormat } = optionSchemas;

// Waits and delays of a day at the most.
const seconds = (what: string) => optionSchemas.seconds(what, 86_400);

const nameFunction = z.custom<NameFunction>((value) => typeof value === 'function', {
  error: 'expected a function',
});

const path = (what: string) => filePath(`expected the path of a PEM file (${what})`);

const tlsFiles = z.strictObject({
  ca: z
    .union([path('ca'), z.array(path('ca')).min(1)], { error: 'expected a PEM file path or a list of them' })
    .optional(),
  cert: path('cert').optional(),
  key: path('key').optional(),
  passphrase: z.string().optional(),
  servername: z.string().min(1).optional(),
  reject_unauthorized: z.boolean({ error: 'expected true or false' }).default(true),
});

/** The exchange types RabbitMQ ships; plugin types start with `x-` (e.g. `x-delayed-message`). */
export const EXCHANGE_TYPES = ['topic', 'direct', 'fanout', 'headers'] as const;

const EXCHANGE_TYPE_ERROR = `expected ${EXCHANGE_TYPES.map((type) => `"${type}"`).join(', ')}, or a plugin type starting with "x-"`;

const SHORTSTR_BYTES = 255;

export const rabbitmqOptionsSchema = z
  .strictObject({
    /**
     * `amqp://[user:password@]host[:port][/vhost]` or `amqps://...` (TLS); overrides host, port,
     * vhost and the credentials it carries.
     */
    url: z
      .string({ error: 'expected an amqp:// or amqps:// URL' })
      .regex(/^amqps?:\/\/\S+$/, { error: 'expected an amqp:// or amqps:// URL' })
      .optional(),
    /** @default 'localhost' */
    host: z.string().min(1, { error: 'must not be empty' }).default('localhost'),
    /** @default 5672, or 5671 with TLS */
    port: z
      .number({ error: 'expected a port number' })
      .int({ error: 'expected a whole number' })
      .min(1, { error: 'expected a port from 1 to 65535' })
      .max(65_535, { error: 'expected a port from 1 to 65535' })
      .optional(),
    /** @default '/' */
    vhost: z.string({ error: 'expected a vhost name' }).min(1, { error: 'must not be empty' }).default('/'),
    /** @default 'guest' */
    username: z.string({ error: 'expected a user name' }).default('guest'),
    /** Never logged or put in an error message. @default 'guest' */
    password: z.string({ error: 'expected a password' }).default('guest'),
    /** TLS: `true`, or CA / client certificate files. @default false */
    tls: z
      .union([z.boolean(), tlsFiles], { error: 'expected true, false, or { ca, cert, key, ... } file paths' })
      .default(false),
    /** Heartbeat interval in seconds; 0 turns heartbeats off. @default 10 */
    heartbeat: z
      .number({ error: 'expected heartbeat in seconds, as a number' })
      .int({ error: 'expected heartbeat as whole seconds' })
      .min(0, { error: 'must be 0 (off) or more (heartbeat, in seconds)' })
      .max(3600, { error: 'is too large (heartbeat, in seconds; at most 3600)' })
      .default(10),
    /** Longest wait to connect (TCP, TLS, AMQP handshake), in seconds. @default 5 */
    connect_timeout: seconds('connect_timeout').default(5),
    /** Longest wait for a batch's publisher confirms, in seconds. @default 10 */
    publish_timeout: seconds('publish_timeout').default(10),
    /** First wait before reconnecting after the connection is lost, in seconds. @default 0.25 */
    reconnect_delay: seconds('reconnect_delay').default(0.25),
    /** Longest wait between reconnect attempts, in seconds. @default 5 */
    reconnect_max_delay: seconds('reconnect_max_delay').default(5),
    /**
     * Exchange: a name ('' is the default exchange), a template using {event_type} {source}
     * {subject} {key} {publisher}, or a function of the event. @default 'events'
     */
    exchange: z
      .union([z.string(), nameFunction], { error: 'expected an exchange name, a template, or a function' })
      .default('events'),
    /** Type of the exchange, used when declaring it. @default 'topic' */
    exchange_type: z
      .string({ error: EXCHANGE_TYPE_ERROR })
      .refine((type) => (EXCHANGE_TYPES as readonly string[]).includes(type) || /^x-[\w.-]+$/.test(type), {
        error: EXCHANGE_TYPE_ERROR,
      })
      .default('topic'),
    /**
     * `declare`: declare each exchange (durable) before its first use; `expect`: only check that
     * it exists, and reject events for one that does not. @default 'declare'
     */
    exchange_mode: z
      .enum(['declare', 'expect'], { error: 'expected "declare" or "expect"' })
      .default('declare'),
    /** Routing key: a name, a template (same placeholders as `exchange`), or a function. @default '{event_type}' */
    routing_key: z
      .union([z.string(), nameFunction], { error: 'expected a routing key, a template, or a function' })
      .default('{event_type}'),
    /** Persistent messages (delivery mode 2): written to disk by durable queues. @default true */
    persistent: z.boolean({ error: 'expected true or false' }).default(true),
    /** Publish with `mandatory`: an event no queue receives is reported rejected. @default true */
    mandatory: z.boolean({ error: 'expected true or false' }).default(true),
    /** `structured` (the CloudEvent JSON as the body) or `binary` (data as the body). @default 'structured' */
    cloud_event_mode: z
      .enum(['structured', 'binary'], { error: 'expected "structured" or "binary"' })
      .default('structured'),
    /**
     * The `timestamp` header's form: `isoformat` (`2026-11-27T15:26:58.241000+00:00`, the original
     * library's, read by every Python 3) or `toISOString` (`...58.241Z`). @default 'isoformat'
     */
    timestamp_format: timestampFormat(),
    /** Larger message bodies are rejected without being sent (the broker's default limit). @default 134217728 */
    max_message_bytes: wholeNumber('max_message_bytes', 1)
      .max(536_870_912, { error: "is more than RabbitMQ's ceiling of 536870912 bytes (max_message_bytes)" })
      .default(134_217_728),
  })
  .superRefine((options, ctx) => {
    if (options.url !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(options.url);
      } catch {
        // The URL itself may hold a password: never echo it.
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'is not a valid URL' });
      }
      if (url && !url.hostname) ctx.addIssue({ code: 'custom', path: ['url'], message: 'has no host' });
      if (url?.search) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'has query parameters, which are not read; set heartbeat, connect_timeout, ... as options',
        });
      }
      if (url && url.pathname.split('/').length > 2) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'has more than one path segment; write a vhost with a slash in it as %2F',
        });
      }
    }
    if (options.reconnect_max_delay < options.reconnect_delay) {
      ctx.addIssue({
        code: 'custom',
        path: ['reconnect_max_delay'],
        message: `must be at least reconnect_delay (${options.reconnect_delay} s)`,
      });
    }
    for (const field of ['exchange', 'routing_key'] as const) {
      const value = options[field];
      if (typeof value !== 'string') continue;
      for (const message of templateProblems(value)) ctx.addIssue({ code: 'custom', path: [field], message });
      if (isStaticName(value) && Buffer.byteLength(value, 'utf8') > SHORTSTR_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `is longer than AMQP allows (${SHORTSTR_BYTES} bytes)`,
        });
      }
    }
    const missing = missingCertOrKey(options.tls);
    if (missing) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', missing],
        message: 'is required with tls.cert / tls.key: a client certificate needs both',
      });
    }
  });

/** The backend's `OPTIONS`, as written in the configuration. The README's options table is the same list. */
export interface RabbitmqOptionsInput {
  /**
   * `amqp://[user:password@]host[:port][/vhost]` or `amqps://...` (TLS). Overrides host, port,
   * vhost and the credentials it carries; a vhost with a slash is written `%2F`.
   */
  url?: string | undefined;
  /** @default 'localhost' */
  host?: string | undefined;
  /** @default 5672, or 5671 with TLS */
  port?: number | undefined;
  /** @default '/' */
  vhost?: string | undefined;
  /** @default 'guest' */
  username?: string | undefined;
  /** Never logged or put in an error message. @default 'guest' */
  password?: string | undefined;
  /** `true`, or CA / client certificate files (paths resolve against the configuration's folder). @default false */
  tls?: boolean | TlsFilesInput | undefined;
  /** Heartbeat interval in seconds; 0 turns heartbeats off. @default 10 */
  heartbeat?: number | undefined;
  /** Longest wait to connect (TCP, TLS, AMQP handshake), in seconds. @default 5 */
  connect_timeout?: number | undefined;
  /** Longest wait for a batch's publisher confirms, in seconds. @default 10 */
  publish_timeout?: number | undefined;
  /** First wait before reconnecting after the connection is lost, in seconds. @default 0.25 */
  reconnect_delay?: number | undefined;
  /** Longest wait between reconnect attempts, in seconds. @default 5 */
  reconnect_max_delay?: number | undefined;
  /**
   * Exchange: a name ('' is the default exchange), a template with {event_type} {source}
   * {subject} {key} {publisher}, or a function of the event. @default 'events'
   */
  exchange?: string | NameFunction | undefined;
  /** `topic`, `direct`, `fanout`, `headers`, or a plugin type `x-...`. @default 'topic' */
  exchange_type?: string | undefined;
  /** `declare` each exchange (durable) before first use, or `expect` it to exist. @default 'declare' */
  exchange_mode?: 'declare' | 'expect' | undefined;
  /** Routing key: a name, a template (same placeholders as `exchange`), or a function. @default '{event_type}' */
  routing_key?: string | NameFunction | undefined;
  /** Persistent messages (delivery mode 2). @default true */
  persistent?: boolean | undefined;
  /** Publish with `mandatory`: an event no queue receives is reported rejected. @default true */
  mandatory?: boolean | undefined;
  /** `structured` (CloudEvent JSON body) or `binary` (data body, `cloudEvents:` headers). @default 'structured' */
  cloud_event_mode?: 'structured' | 'binary' | undefined;
  /** The `timestamp` header's form (see `TimestampFormat` in core). @default 'isoformat' */
  timestamp_format?: 'isoformat' | 'toISOString' | undefined;
  /** Larger message bodies are rejected without being sent. @default 134217728 */
  max_message_bytes?: number | undefined;
}

// Keeps the interface above and the schema in step: each must accept what the other describes.
const _inputMatchesSchema: SameKeys<RabbitmqOptionsInput, z.input<typeof rabbitmqOptionsSchema>> = true;
void _inputMatchesSchema;

/** Options after validation and defaults: what the backend runs with. */
export type RabbitmqOptions = z.output<typeof rabbitmqOptionsSchema>;
