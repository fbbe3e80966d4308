import { missingCertOrKey, optionSchemas, type SameKeys, type TlsFileOptions } from '@dispatch/core';
import { z } from 'zod';
import { type SubjectFunction, subjectOptionProblems, subjectPatternProblem } from './subject.js';

/** TLS client settings: files, resolved against the configuration file's folder. */
export type TlsFiles = TlsFileOptions;

const { seconds, wholeNumber, filePath, timestampFormat } = optionSchemas;

// `nats://` or `tls://`, or a bare host; user info is allowed (and never shown again).
const SERVER_URL =
  /^(?:(?:nats|tls):\/\/)?(?:[^@\s/]+@)?(?:\[[0-9a-fA-F:.]+\]|[^\s:/@[\]]+)(?::\d{1,5})?\/?$/;

// The value is never echoed: a server URL may carry a password.
const serverUrl = z.string({ error: 'expected a server URL as a string' }).regex(SERVER_URL, {
  error: 'expected a server URL such as "nats://host:4222", "tls://host:4222" or "host:4222"',
});

// User info of a server URL: `user:password@` or `token@`.
const USER_INFO = /^(?:[a-z]+:\/\/)?([^@/]*)@/i;

const subjectFunction = z.custom<SubjectFunction>((value) => typeof value === 'function', {
  error: 'expected a function',
});

// JetStream's rules for names: no whitespace, `.`, `*`, `>`, path separators or control characters.
const streamName = z
  .string({ error: 'expected a stream name' })
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'is longer than 255 characters' })
  .regex(/^[^\s\p{Cc}.*>/\\]+$/u, {
    error: 'stream names may not contain whitespace, ".", "*", ">", "/" or "\\"',
  });

const streamSubject = z.string({ error: 'expected a subject' }).superRefine((pattern, ctx) => {
  const problem = subjectPatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${pattern}" ${problem}` });
});

export const natsOptionsSchema = z
  .strictObject({
    /**
     * The NATS server(s): `nats://host:port`, `tls://host:port` or `host:port`, one or a list.
     * @default 'nats://127.0.0.1:4222'
     */
    servers: z
      .union([serverUrl, z.array(serverUrl).min(1, { error: 'must list at least one server' })], {
        error: 'expected a server URL or a list of them',
      })
      .default('nats://127.0.0.1:4222'),
    /** User name (with `password`). */
    user: z.string().min(1, { error: 'must not be empty' }).optional(),
    /** Password (with `user`); never logged or put in an error message. */
    password: z.string().optional(),
    /** Authentication token; never logged or put in an error message. */
    token: z.string().min(1, { error: 'must not be empty' }).optional(),
    /** A `.creds` file (path) or its content (JWT and NKey seed); never logged. */
    creds: z.string().min(1, { error: 'must not be empty' }).optional(),
    /** TLS: `true`, or `{ ca, cert, key }` PEM file paths. @default false */
    tls: z
      .union(
        [
          z.boolean(),
          z.strictObject({
            ca: filePath().optional(),
            cert: filePath().optional(),
            key: filePath().optional(),
          }),
        ],
        {
          error: 'expected true, false, or { ca, cert, key } file paths',
        },
      )
      .default(false),
    /** Connection name, shown in the server's monitoring. @default 'dispatch-outbox' */
    name: z.string().min(1, { error: 'must not be empty' }).default('dispatch-outbox'),
    /**
     * Subject: a subject, a template using {event_type} {source} {subject} {key} {publisher}, or a
     * function of the event. @default 'events.{event_type}'
     */
    subject: z
      .union([z.string().min(1, { error: 'must not be empty' }), subjectFunction], {
        error: 'expected a subject, a template, or a function of the event',
      })
      .default('events.{event_type}'),
    /** The JetStream stream that stores the events. @default 'EVENTS' */
    stream: streamName.default('EVENTS'),
    /** `create`: create the stream if it is missing; `expect`: it must exist. @default 'create' */
    stream_mode: z.enum(['create', 'expect'], { error: 'expected "create" or "expect"' }).default('create'),
    /** Subjects to create the stream with; by default worked out from `subject`. */
    stream_subjects: z.array(streamSubject).min(1, { error: 'must list at least one subject' }).optional(),
    /** Duplicate window of a stream this backend creates, in seconds (JetStream's floor: 0.1). @default 3600 */
    duplicate_window: seconds('duplicate_window')
      .min(0.1, { error: 'must be at least 0.1 (JetStream refuses a shorter duplicate window)' })
      .default(3600),
    /** Replicas of a stream this backend creates (a cluster has up to 5). @default 1 */
    replicas: wholeNumber('replicas', 1).max(5, { error: 'must be 5 or less (replicas)' }).default(1),
    /** Oldest message a created stream keeps, in seconds; null keeps them. @default null */
    max_age: seconds('max_age').nullable().default(null),
    /** Most messages a created stream keeps (oldest dropped first); null keeps them. @default null */
    max_msgs: wholeNumber('max_msgs', 1).nullable().default(null),
    /** Longest wait for JetStream to acknowledge a message, in seconds. @default 5 */
    publish_timeout: seconds('publish_timeout').default(5),
    /** Longest wait to connect to a server, in seconds. @default 5 */
    connect_timeout: seconds('connect_timeout').default(5),
    /**
     * `structured`: the JSON CloudEvent is the body; `binary`: the event's data is the body and
     * its attributes are `ce-*` headers. @default 'structured'
     */
    cloud_event_mode: z
      .enum(['structured', 'binary'], { error: 'expected "structured" or "binary"' })
      .default('structured'),
    /**
     * The `timestamp` header's form: `isoformat` (`2026-11-27T15:26:58.241000+00:00`, the original
     * library's, read by every Python 3) or `toISOString` (`...58.241Z`). @default 'isoformat'
     */
    timestamp_format: timestampFormat(),
  })
  .superRefine((options, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (options.password !== undefined && options.user === undefined) {
      issue('password', 'needs user as well');
    }
    if (options.user !== undefined && options.password === undefined) {
      issue('user', 'needs password as well');
    }
    const servers = typeof options.servers === 'string' ? [options.servers] : options.servers;
    const withCredentials = servers.map((server) => USER_INFO.exec(server)?.[1]);
    const firstWith = withCredentials.findIndex((info) => info !== undefined && info !== '');
    if (firstWith !== -1) {
      const serversPath = typeof options.servers === 'string' ? ['servers'] : ['servers', firstWith];
      if (withCredentials.some((info) => info !== withCredentials[firstWith])) {
        ctx.addIssue({
          code: 'custom',
          path: serversPath,
          message:
            'servers carry different credentials in their URLs; the client logs in with one set: use the same in each, or user/password',
        });
      }
      if (options.user !== undefined || options.token !== undefined || options.creds !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: serversPath,
          message:
            'has credentials in the URL, which cannot be combined with user, token or creds; pick one way to authenticate',
        });
      }
    }
    const methods = [
      options.user !== undefined && 'user',
      options.token !== undefined && 'token',
      options.creds !== undefined && 'creds',
    ].filter((method): method is string => typeof method === 'string');
    if (methods.length > 1) {
      issue(methods[1] ?? '', `cannot be combined with ${methods[0]}; pick one way to authenticate`);
    }
    if (missingCertOrKey(options.tls)) {
      issue('tls', 'cert and key go together: give both or neither');
    }
    if (options.max_age !== null && options.duplicate_window > options.max_age) {
      issue(
        'duplicate_window',
        `must not be longer than max_age (${options.max_age} s); JetStream refuses such a stream`,
      );
    }

    for (const [option, message] of subjectOptionProblems(options)) issue(option, message);
  });

/** The backend's `OPTIONS`, as written in the configuration. The README's options table is the same list. */
export interface NatsOptionsInput {
  /** `nats://host:port`, `tls://host:port` or `host:port`, one or a list. @default 'nats://127.0.0.1:4222' */
  servers?: string | string[] | undefined;
  /** User name (with `password`). */
  user?: string | undefined;
  /** Password (with `user`); never logged or put in an error message. */
  password?: string | undefined;
  /** Authentication token; never logged or put in an error message. */
  token?: string | undefined;
  /** A `.creds` file path, or the content of one; never logged. */
  creds?: string | undefined;
  /** `true`, or `{ ca, cert, key }` PEM file paths. @default false */
  tls?: boolean | TlsFiles | undefined;
  /** Connection name, shown in the server's monitoring. @default 'dispatch-outbox' */
  name?: string | undefined;
  /**
   * A subject, a template with {event_type} {source} {subject} {key} {publisher}, or a function of
   * the event. @default 'events.{event_type}'
   */
  subject?: string | SubjectFunction | undefined;
  /** The JetStream stream. @default 'EVENTS' */
  stream?: string | undefined;
  /** `create` the stream if it is missing, or `expect` it to exist. @default 'create' */
  stream_mode?: 'create' | 'expect' | undefined;
  /** Subjects to create the stream with; by default worked out from `subject`. */
  stream_subjects?: string[] | undefined;
  /** Duplicate window of a created stream, in seconds. @default 3600 */
  duplicate_window?: number | undefined;
  /** Replicas of a created stream. @default 1 */
  replicas?: number | undefined;
  /** Oldest message a created stream keeps, in seconds; null keeps them. @default null */
  max_age?: number | null | undefined;
  /** Most messages a created stream keeps; null keeps them. @default null */
  max_msgs?: number | null | undefined;
  /** Longest wait for a publish acknowledgement, in seconds. @default 5 */
  publish_timeout?: number | undefined;
  /** Longest wait to connect, in seconds. @default 5 */
  connect_timeout?: number | undefined;
  /** `structured` (JSON CloudEvent body) or `binary` (data body, `ce-*` headers). @default 'structured' */
  cloud_event_mode?: 'structured' | 'binary' | undefined;
  /** The `timestamp` header's form (see `TimestampFormat` in core). @default 'isoformat' */
  timestamp_format?: 'isoformat' | 'toISOString' | undefined;
}

// Keeps the interface above and the schema in step: each must accept what the other describes.
const _inputMatchesSchema: SameKeys<NatsOptionsInput, z.input<typeof natsOptionsSchema>> = true;
void _inputMatchesSchema;

/** Options after validation and defaults: what the backend runs with. */
export type NatsOptions = z.output<typeof natsOptionsSchema>;
