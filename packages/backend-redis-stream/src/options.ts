import {
  NAME_TEMPLATE_PLACEHOLDERS,
  type OutboxEvent,
  optionSchemas,
  placeholderProblems,
  type SameKeys,
} from '@dispatch/core';
import { z } from 'zod';

/** Picks the stream for an event; must return a non-empty key name. */
export type StreamNameFunction = (event: OutboxEvent) => string;

/** A Redis node address, as `'host:port'` or `{ host, port }`. */
export type NodeAddress = string | { host: string; port: number };

const { seconds, timestampFormat } = optionSchemas;
const wholeNumber = (what: string) => optionSchemas.wholeNumber(what, 0);

const address = z.union(
  [
    z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, { error: 'expected "host:port"' }),
    z.strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535),
    }),
  ],
  { error: 'expected "host:port" or { host, port }' },
);

/**
 * A client the application already made (ioredis `Redis` / `Cluster`, or a node-redis client or
 * cluster). Recognised by shape so neither library has to be installed to validate options.
 */
const clientInstance = z.custom<object>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    (typeof (value as { pipeline?: unknown }).pipeline === 'function' ||
      typeof (value as { sendCommand?: unknown }).sendCommand === 'function'),
  { error: 'expected "ioredis", "node-redis", or a connected ioredis / node-redis client instance' },
);

const streamNameFunction = z.custom<StreamNameFunction>((value) => typeof value === 'function', {
  error: 'expected a function',
});

/** The placeholders `stream_name` may use; any other `{...}` is kept as written (a hash tag). */
export const STREAM_NAME_PLACEHOLDERS = NAME_TEMPLATE_PLACEHOLDERS;

export const redisStreamOptionsSchema = z
  .strictObject({
    /**
     * Client library, or a ready-made client instance (which the backend then never closes).
     * @default 'ioredis'
     */
    client: z
      .union([z.enum(['ioredis', 'node-redis']), clientInstance], {
        error: 'expected "ioredis", "node-redis", or a client instance',
      })
      .default('ioredis'),
    /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS); overrides host/port/db/username/password. */
    url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, { error: 'expected a redis:// or rediss:// URL' })
      .optional(),
    /** @default 'localhost' */
    host: z.string().min(1).default('localhost'),
    /** @default 6379 */
    port: z.number().int().min(1).max(65_535).default(6379),
    /** Database number (standalone and Sentinel only; a cluster has only 0). @default 0 */
    db: wholeNumber('db').max(1_000_000).default(0),
    /** ACL user name (Redis 6+). */
    username: z.string().min(1).optional(),
    /** Password; never logged or put in an error message. */
    password: z.string().optional(),
    /** TLS: `true`, or Node `tls.connect` options (ca, cert, key, servername, ...). @default false */
    tls: z.union([z.boolean(), z.record(z.string(), z.unknown())]).default(false),
    /** Seed nodes of a Redis Cluster; enables cluster mode. */
    cluster_nodes: z.array(address).min(1).optional(),
    /** Sentinel addresses; enables Sentinel mode (with `sentinel_name`). */
    sentinels: z.array(address).min(1).optional(),
    /** Name of the master the Sentinels watch. @default 'mymaster' */
    sentinel_name: z.string().min(1).default('mymaster'),
    /** Password of the Sentinels themselves, if they have one. */
    sentinel_password: z.string().optional(),
    /** Longest wait to connect, in seconds. @default 5 */
    connect_timeout: seconds('connect_timeout').default(5),
    /** Longest wait for a reply to a command, in seconds; null waits forever. @default 5 */
    socket_timeout: seconds('socket_timeout').nullable().default(5),
    /**
     * Stream key: a name, a template using {event_type} {source} {subject} {key} {publisher}, or a
     * function of the event. @default 'events'
     */
    stream_name: z
      .union([z.string().min(1, { error: 'must not be empty' }), streamNameFunction], {
        error: 'expected a stream name, a template, or a function of the event',
      })
      .default('events'),
    /**
     * The `timestamp` field's form: `isoformat` (`2026-01-02T03:04:05.678000+00:00`, what the
     * original library wrote and every Python 3 reads) or `toISOString` (`...05.678Z`, which
     * Python before 3.11 cannot parse). @default 'isoformat'
     */
    timestamp_format: timestampFormat(),
    /** Keep about this many entries per stream; null or 0 disables length trimming. @default 10000 */
    max_len: wholeNumber('max_len').nullable().default(10_000),
    /** `approximate` (`~`, cheap, may keep a little more) or `exact` (`=`). @default 'approximate' */
    trim: z
      .enum(['approximate', 'exact'], { error: 'expected "approximate" or "exact"' })
      .default('approximate'),
    /** Drop entries older than this many seconds (`MINID` trimming); null keeps them. @default null */
    max_age: seconds('max_age').nullable().default(null),
    /**
     * Re-publishing an event id within `idempotency_window` returns the original entry instead of
     * appending a duplicate (checked atomically by a server-side script). @default true
     */
    idempotent: z.boolean({ error: 'expected true or false' }).default(true),
    /** How long an event id is remembered for idempotent append, in seconds. @default 3600 */
    idempotency_window: wholeNumber('idempotency_window')
      .min(1)
      .max(86_400 * 365)
      .default(3600),
    /** Replicas that must acknowledge a batch (`WAIT`) before its events count as published. @default 0 */
    wait_replicas: wholeNumber('wait_replicas').max(100).default(0),
    /** Longest wait for those replicas, in seconds. @default 1 */
    wait_timeout: seconds('wait_timeout').default(1),
    /** Larger entries (all names and values, in bytes) are rejected without being sent. @default 536870912 */
    max_entry_bytes: wholeNumber('max_entry_bytes').min(1).default(536_870_912),
  })
  .superRefine((options, ctx) => {
    const modes = [
      options.url && 'url',
      options.cluster_nodes && 'cluster_nodes',
      options.sentinels && 'sentinels',
    ];
    const chosen = modes.filter((mode): mode is string => typeof mode === 'string');
    if (chosen.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [chosen[1] ?? ''],
        message: `cannot be combined with ${chosen[0]}; pick one way to reach Redis`,
      });
    }
    if (options.cluster_nodes && options.db !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['db'],
        message: 'must be 0 with cluster_nodes (a cluster has one database)',
      });
    }
    if (typeof options.stream_name === 'string') {
      // `{...}` that is not a placeholder is a hash tag, kept as written; only a near miss of a
      // placeholder name is worth flagging.
      const problems = placeholderProblems(options.stream_name, {
        note: 'any other {...} is kept as a hash tag',
        nearMissesOnly: true,
      });
      for (const message of problems) ctx.addIssue({ code: 'custom', path: ['stream_name'], message });
    }
  });

/** The backend's `OPTIONS`, as written in the configuration. The README's options table is the same list. */
export interface RedisStreamOptionsInput {
  /**
   * Client library, or a ready-made client instance (ioredis `Redis` / `Cluster`, node-redis
   * client / cluster / Sentinel), which the backend uses as is and never closes.
   * @default 'ioredis'
   */
  client?: 'ioredis' | 'node-redis' | object | undefined;
  /** `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS); overrides host, port, db and credentials. */
  url?: string | undefined;
  /** @default 'localhost' */
  host?: string | undefined;
  /** @default 6379 */
  port?: number | undefined;
  /** Database number (standalone and Sentinel; 0 in a cluster). @default 0 */
  db?: number | undefined;
  /** ACL user name (Redis 6+). */
  username?: string | undefined;
  /** Password; never logged or put in an error message. */
  password?: string | undefined;
  /** `true`, or Node `tls.connect` options (ca, cert, key, servername, ...). @default false */
  tls?: boolean | Record<string, unknown> | undefined;
  /** Seed nodes of a Redis Cluster (`'host:port'` or `{ host, port }`); enables cluster mode. */
  cluster_nodes?: NodeAddress[] | undefined;
  /** Sentinel addresses (`'host:port'` or `{ host, port }`); enables Sentinel mode. */
  sentinels?: NodeAddress[] | undefined;
  /** Name of the master the Sentinels watch. @default 'mymaster' */
  sentinel_name?: string | undefined;
  /** Password of the Sentinels themselves. */
  sentinel_password?: string | undefined;
  /** Longest wait to connect, in seconds. @default 5 */
  connect_timeout?: number | undefined;
  /** Longest wait for a reply to a command, in seconds; null waits forever. @default 5 */
  socket_timeout?: number | null | undefined;
  /**
   * Stream key: a name, a template with {event_type} {source} {subject} {key} {publisher} (other
   * `{...}` are kept as hash tags), or a function of the event. @default 'events'
   */
  stream_name?: string | StreamNameFunction | undefined;
  /** The `timestamp` field's form (see `TimestampFormat` in core). @default 'isoformat' */
  timestamp_format?: 'isoformat' | 'toISOString' | undefined;
  /** Keep about this many entries per stream; null or 0 disables length trimming. @default 10000 */
  max_len?: number | null | undefined;
  /** `approximate` (`~`) or `exact` (`=`) trimming. @default 'approximate' */
  trim?: 'approximate' | 'exact' | undefined;
  /** Drop entries older than this many seconds (`MINID`); null keeps them. @default null */
  max_age?: number | null | undefined;
  /** Re-publishing an event id within the window returns the original entry instead of a duplicate. @default true */
  idempotent?: boolean | undefined;
  /** How long an event id is remembered for idempotent append, in seconds. @default 3600 */
  idempotency_window?: number | undefined;
  /** Replicas that must acknowledge a batch (`WAIT`) before its events count as published. @default 0 */
  wait_replicas?: number | undefined;
  /** Longest wait for those replicas, in seconds. @default 1 */
  wait_timeout?: number | undefined;
  /** Larger entries (names and values, in bytes) are rejected without being sent. @default 536870912 */
  max_entry_bytes?: number | undefined;
}

// Keeps the interface above and the schema in step: each must accept what the other describes.
const _inputMatchesSchema: SameKeys<RedisStreamOptionsInput, z.input<typeof redisStreamOptionsSchema>> = true;
void _inputMatchesSchema;

/** Options after validation and defaults: what the backend runs with. */
export type RedisStreamOptions = z.output<typeof redisStreamOptionsSchema>;
