import { z } from 'zod';
import { isBackendDefinition } from './backend.js';
import type {
  Complete,
  DispatchConfig,
  ResolvedConfig,
  RetentionSettings,
  StoreKey,
  WorkerSettings,
} from './config-types.js';
import { ConfigError } from './errors.js';
import { LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
import { toIssues } from './schema-issues.js';
import { isStoreDefinition, type StoreDefinition } from './store.js';

export const WORKER_DEFAULTS: Complete<WorkerSettings> = {
  BATCH_SIZE: 100,
  SLEEP_TIME: 5,
  MAX_RETRIES: 3,
  RETRY_BACKOFF: true,
  RETRY_BASE_DELAY: 5,
  RETRY_MAX_DELAY: 600,
  LEASE_TIME: 30,
  CONCURRENCY: 1,
  SHUTDOWN_TIMEOUT: 30,
};

export const RETENTION_DEFAULTS: Complete<RetentionSettings> = {
  CLEANUP_PUBLISHED: true,
  PUBLISHED_RETENTION_DAYS: 7,
  FAILED_RETENTION_DAYS: 30,
  CLEANUP_INTERVAL: 3600,
  CLEANUP_BATCH_SIZE: 1000,
};

export const PUBLISHING_DEFAULTS = { MAX_PAYLOAD_BYTES: 1_048_576 } as const;

export const DEFAULT_PUBLISH_TIMEOUT = 30;

/** `OUTBOX_STORE.TIMEOUT` when not given, in seconds. */
export const DEFAULT_STORE_TIMEOUT = 30;

const positiveInt = (what: string, max = 1_000_000) =>
  z
    .number({ error: `expected ${what} as a whole number` })
    .int({ error: `expected ${what} as a whole number` })
    .min(1, { error: `must be at least 1 (${what})` })
    .max(max, { error: `must be at most ${max} (${what})` });

const nonNegativeInt = (what: string, max = 1000) =>
  z
    .number({ error: `expected ${what} as a whole number` })
    .int({ error: `expected ${what} as a whole number` })
    .min(0, { error: `must be 0 or more (${what})` })
    .max(max, { error: `must be at most ${max} (${what})` });

const seconds = (what: string, min = 0) =>
  z
    .number({ error: `expected ${what} in seconds, as a number` })
    .refine((n) => Number.isFinite(n) && n >= min, {
      error: `must be a finite number of seconds >= ${min} (${what})`,
    });

const days = (what: string) =>
  z
    .number({ error: `expected ${what} as a number of days` })
    .refine((n) => Number.isFinite(n) && n >= 0, { error: `must be 0 or more days (${what})` });

const STORE_SPECIFIER_ERROR =
  "expected a module specifier string (e.g. '@dispatch/orm-mikro') or a defineStore() result";

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const specifierOr = (kind: 'backend' | 'store') =>
  z.custom<unknown>(
    (value) =>
      (typeof value === 'string' && value.trim().length > 0) ||
      (kind === 'backend' ? isBackendDefinition(value) : isStoreDefinition(value)),
    {
      error:
        kind === 'backend'
          ? "expected a module specifier string (e.g. '@dispatch/backend-redis-stream' or './backends/webhook.js') or a defineBackend() result"
          : STORE_SPECIFIER_ERROR,
    },
  );

const optionsObject = z.record(z.string(), z.unknown(), { error: 'expected an object of options' });

const publisherSchema = z.strictObject({
  BACKEND: specifierOr('backend'),
  OPTIONS: optionsObject.optional(),
  PUBLISH_TIMEOUT: seconds('publish timeout', 0.001).optional(),
});

const handlerSchema = z.custom<(event: never) => unknown>((value) => typeof value === 'function', {
  error: 'expected a function',
});

const loggerSchema = z.custom<Logger>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['debug', 'info', 'warn', 'error'].every(
      (m) => typeof (value as Record<string, unknown>)[m] === 'function',
    ),
  { error: 'expected a logger with debug, info, warn and error methods (pino works)' },
);

export const configSchema = z.strictObject({
  OUTBOX_PUBLISHERS: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'publisher names use letters, digits, _ and - only' }),
      publisherSchema,
      {
        error:
          "expected an object of publishers, e.g. { default: { BACKEND: '@dispatch/backend-redis-stream' } }",
      },
    )
    .refine((publishers) => Object.keys(publishers).length > 0, {
      error: 'configure at least one publisher (OUTBOX_PUBLISHERS.default)',
    }),
  OUTBOX_STORE: z
    .strictObject(
      {
        STORE: specifierOr('store').optional(),
        // Deprecated alias of STORE, still accepted (createDispatch warns).
        BACKEND: specifierOr('store').optional(),
        OPTIONS: optionsObject.optional(),
        TIMEOUT: seconds('store call timeout').optional(),
      },
      {
        error:
          "expected { STORE, OPTIONS, TIMEOUT } for the outbox store, e.g. { STORE: '@dispatch/orm-mikro' }",
      },
    )
    // Run even when another key of the entry is wrong, so a missing or doubled store is reported too.
    .refine((store) => store.STORE !== undefined || store.BACKEND !== undefined, {
      error: STORE_SPECIFIER_ERROR,
      path: ['STORE'],
      when: (payload) => isPlainObject(payload.value),
    })
    .refine((store) => store.STORE === undefined || store.BACKEND === undefined, {
      error: 'the deprecated name of OUTBOX_STORE.STORE, which is also given; remove BACKEND',
      path: ['BACKEND'],
      when: (payload) => isPlainObject(payload.value),
    }),
  OUTBOX_WORKER: z
    .strictObject({
      BATCH_SIZE: positiveInt('events per batch', 10_000).optional(),
      SLEEP_TIME: seconds('idle sleep').optional(),
      MAX_RETRIES: nonNegativeInt('retries after the first attempt').optional(),
      RETRY_BACKOFF: z.boolean({ error: 'expected true or false' }).optional(),
      RETRY_BASE_DELAY: seconds('first retry delay').optional(),
      RETRY_MAX_DELAY: seconds('longest retry delay').optional(),
      LEASE_TIME: seconds('lease time', 1).optional(),
      CONCURRENCY: positiveInt('batches in flight', 64).optional(),
      SHUTDOWN_TIMEOUT: seconds('shutdown timeout').optional(),
    })
    .refine(
      (worker) =>
        (worker.RETRY_MAX_DELAY ?? WORKER_DEFAULTS.RETRY_MAX_DELAY) >=
        (worker.RETRY_BASE_DELAY ?? WORKER_DEFAULTS.RETRY_BASE_DELAY),
      { error: 'must be at least RETRY_BASE_DELAY', path: ['RETRY_MAX_DELAY'] },
    )
    .optional(),
  OUTBOX_RETENTION: z
    .strictObject({
      CLEANUP_PUBLISHED: z.boolean({ error: 'expected true or false' }).optional(),
      PUBLISHED_RETENTION_DAYS: days('published retention').optional(),
      FAILED_RETENTION_DAYS: days('failed retention').optional(),
      CLEANUP_INTERVAL: seconds('cleanup interval', 1).optional(),
      CLEANUP_BATCH_SIZE: positiveInt('rows per cleanup statement', 100_000).optional(),
    })
    .optional(),
  OUTBOX_PUBLISHING: z
    .strictObject({
      MAX_PAYLOAD_BYTES: positiveInt('payload limit in bytes', 512 * 1024 * 1024).optional(),
      MAX_RETRIES: nonNegativeInt('retries after the first attempt').optional(),
    })
    .optional(),
  OUTBOX_HOOKS: z
    .strictObject({
      created: handlerSchema.optional(),
      published: handlerSchema.optional(),
      failed: handlerSchema.optional(),
      close: handlerSchema.optional(),
    })
    .optional(),
  OUTBOX_HANDLERS: z
    .record(
      z.string().min(1, { error: 'event types are not empty' }),
      z.union([handlerSchema, z.array(handlerSchema)]),
      {
        error: "expected { 'event.type': handler } (a function or a list of functions per type)",
      },
    )
    .optional(),
  LOGGING: z
    .strictObject({
      LEVEL: z
        .enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], { error: `expected one of ${LOG_LEVELS.join(', ')}` })
        .optional(),
      LOGGER: loggerSchema.optional(),
    })
    .optional(),
});

/**
 * The key that names the store in `OUTBOX_STORE` as written: `STORE`, or `BACKEND` when only the
 * deprecated alias is given. Errors about the store use it, so they name the key the user wrote.
 */
export function storeKeyOf(input: unknown): StoreKey {
  const store = isPlainObject(input) ? input.OUTBOX_STORE : undefined;
  if (!isPlainObject(store)) return 'STORE';
  return store.STORE === undefined && store.BACKEND !== undefined ? 'BACKEND' : 'STORE';
}

/**
 * The publisher and store entries of a configuration that failed validation, as far as they can
 * still be loaded, so their own problems (a wrong module, bad options) are reported in the same
 * error as the rest. A store given both as `STORE` and `BACKEND` is not loaded: that is the error.
 */
export function loadableEntries(input: unknown): {
  publishers: Record<string, { BACKEND: unknown; OPTIONS: unknown }>;
  store: { STORE: unknown; OPTIONS: unknown; key: StoreKey } | undefined;
} {
  const record = (value: unknown): Record<string, unknown> | undefined =>
    isPlainObject(value) ? value : undefined;
  const loadable = (specifier: unknown): boolean =>
    typeof specifier === 'string' || (typeof specifier === 'object' && specifier !== null);
  const publishers: Record<string, { BACKEND: unknown; OPTIONS: unknown }> = {};
  for (const [name, value] of Object.entries(record(record(input)?.OUTBOX_PUBLISHERS) ?? {})) {
    const entry = record(value);
    if (entry && loadable(entry.BACKEND))
      publishers[name] = { BACKEND: entry.BACKEND, OPTIONS: entry.OPTIONS ?? {} };
  }
  const storeEntry = record(record(input)?.OUTBOX_STORE);
  if (!storeEntry || (storeEntry.STORE !== undefined && storeEntry.BACKEND !== undefined)) {
    return { publishers, store: undefined };
  }
  const key = storeKeyOf(input);
  const store = loadable(storeEntry[key])
    ? { STORE: storeEntry[key], OPTIONS: storeEntry.OPTIONS ?? {}, key }
    : undefined;
  return { publishers, store };
}

/**
 * Validate a configuration and fill in the defaults. Throws one `ConfigError` listing every
 * problem, each with its key path (and for a misspelt key, the likely intended one).
 */
export function resolveConfig(input: unknown, source?: string): ResolvedConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(toIssues(configSchema, result.error.issues as never), { source });
  }
  const config = result.data as DispatchConfig;
  const worker: Complete<WorkerSettings> = { ...WORKER_DEFAULTS, ...stripUndefined(config.OUTBOX_WORKER) };
  const publishers: ResolvedConfig['OUTBOX_PUBLISHERS'] = {};
  for (const [name, publisher] of Object.entries(config.OUTBOX_PUBLISHERS)) {
    publishers[name] = {
      BACKEND: publisher.BACKEND,
      OPTIONS: publisher.OPTIONS ?? {},
      PUBLISH_TIMEOUT: publisher.PUBLISH_TIMEOUT ?? DEFAULT_PUBLISH_TIMEOUT,
    };
  }
  return {
    OUTBOX_PUBLISHERS: publishers,
    OUTBOX_STORE: {
      // The schema made sure exactly one of the two is given.
      STORE: (config.OUTBOX_STORE.STORE ?? config.OUTBOX_STORE.BACKEND) as string | StoreDefinition,
      OPTIONS: config.OUTBOX_STORE.OPTIONS ?? {},
      TIMEOUT: config.OUTBOX_STORE.TIMEOUT ?? DEFAULT_STORE_TIMEOUT,
    },
    OUTBOX_WORKER: worker,
    OUTBOX_RETENTION: { ...RETENTION_DEFAULTS, ...stripUndefined(config.OUTBOX_RETENTION) },
    OUTBOX_PUBLISHING: {
      MAX_PAYLOAD_BYTES: config.OUTBOX_PUBLISHING?.MAX_PAYLOAD_BYTES ?? PUBLISHING_DEFAULTS.MAX_PAYLOAD_BYTES,
      MAX_RETRIES: config.OUTBOX_PUBLISHING?.MAX_RETRIES ?? worker.MAX_RETRIES,
    },
    LOGGING: { LEVEL: config.LOGGING?.LEVEL ?? 'info', LOGGER: config.LOGGING?.LOGGER },
    OUTBOX_HOOKS: { ...config.OUTBOX_HOOKS },
    OUTBOX_HANDLERS: Object.fromEntries(
      Object.entries(config.OUTBOX_HANDLERS ?? {}).map(([type, handlers]) => [
        type,
        Array.isArray(handlers) ? handlers : [handlers],
      ]),
    ),
  };
}

function stripUndefined<T extends object>(
  value: T | undefined,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
