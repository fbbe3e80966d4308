import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { BackendDefinition } from './backend.js';
import type { EventHandler, HookHandler } from './hooks.js';
import type { Logger, LogLevel } from './logger.js';
import type { StoreDefinition } from './store.js';

/** A publisher: where events routed to its name go (one `OUTBOX_PUBLISHERS` entry). */
export interface PublisherConfig {
  /** Module specifier (`'@dispatch/backend-redis-stream'`, `'./backends/webhook.js'`, `'pkg#export'`) or a definition. */
  BACKEND: string | BackendDefinition;
  /** Options for the backend, validated by its schema. @default {} */
  OPTIONS?: Record<string, unknown> | undefined;
  /** Longest a batch publish may take before it counts as the backend being unavailable, in seconds. @default 30 */
  PUBLISH_TIMEOUT?: number | undefined;
}

/** `OUTBOX_STORE`: the outbox store, named by `STORE`, and its options. */
export type StoreConfig = StoreConfigWithStore | StoreConfigWithBackend;

export interface StoreConfigWithStore {
  /** Module specifier or definition of the outbox store, e.g. `'@dispatch/orm-mikro'`. */
  STORE: string | StoreDefinition;
  /** @deprecated The old name of `STORE`; give one of the two. */
  BACKEND?: never;
  /** Options for the store, validated by its schema. @default {} */
  OPTIONS?: Record<string, unknown> | undefined;
  /**
   * Longest one store call (claim, record, renew, cleanup, stats, health...; not the insert in your
   * transaction, not migrate) may take before it fails with a `TimeoutError`, in seconds; 0: no limit.
   * @default 30
   */
  TIMEOUT?: number | undefined;
}

export interface StoreConfigWithBackend {
  /**
   * Module specifier or definition of the outbox store.
   * @deprecated Renamed to `STORE` (the same value); `createDispatch` logs a warning for it.
   */
  BACKEND: string | StoreDefinition;
  STORE?: never;
  /** Options for the store, validated by its schema. @default {} */
  OPTIONS?: Record<string, unknown> | undefined;
  /**
   * Longest one store call (claim, record, renew, cleanup, stats, health...; not the insert in your
   * transaction, not migrate) may take before it fails with a `TimeoutError`, in seconds; 0: no limit.
   * @default 30
   */
  TIMEOUT?: number | undefined;
}

/** The key of `OUTBOX_STORE` that names the store: `STORE`, or its deprecated alias `BACKEND`. */
export type StoreKey = 'STORE' | 'BACKEND';

export interface WorkerSettings {
  /** Events claimed per batch. @default 100 */
  BATCH_SIZE?: number | undefined;
  /** Seconds to sleep when there is nothing to do (never after a full batch). @default 5 */
  SLEEP_TIME?: number | undefined;
  /** Retries after the first attempt: 3 means up to 4 attempts. @default 3 */
  MAX_RETRIES?: number | undefined;
  /** Exponential backoff with jitter, capped at `RETRY_MAX_DELAY`; false: a fixed `RETRY_BASE_DELAY`. @default true */
  RETRY_BACKOFF?: boolean | undefined;
  /** First retry delay (and the fixed delay without backoff), in seconds. @default 5 */
  RETRY_BASE_DELAY?: number | undefined;
  /** Longest retry delay, in seconds. @default 600 */
  RETRY_MAX_DELAY?: number | undefined;
  /** How long a claimed event is leased to a worker before another may take it, in seconds. @default 30 */
  LEASE_TIME?: number | undefined;
  /** Batches a worker publishes at once. @default 1 */
  CONCURRENCY?: number | undefined;
  /** On SIGINT/SIGTERM, how long in-flight publishes may finish before the worker exits, in seconds. @default 30 */
  SHUTDOWN_TIMEOUT?: number | undefined;
}

export interface RetentionSettings {
  /** Delete published events after `PUBLISHED_RETENTION_DAYS`. @default true */
  CLEANUP_PUBLISHED?: boolean | undefined;
  /** @default 7 */
  PUBLISHED_RETENTION_DAYS?: number | undefined;
  /** Failed events are deleted after this many days. @default 30 */
  FAILED_RETENTION_DAYS?: number | undefined;
  /** Seconds between cleanup runs in the worker. @default 3600 */
  CLEANUP_INTERVAL?: number | undefined;
  /** Rows deleted per statement, so cleanup never holds long locks. @default 1000 */
  CLEANUP_BATCH_SIZE?: number | undefined;
}

export interface PublishingSettings {
  /** Largest serialised `data` accepted by `publishEvent`, in bytes. @default 1048576 */
  MAX_PAYLOAD_BYTES?: number | undefined;
  /** Default `maxRetries` for new events; falls back to `OUTBOX_WORKER.MAX_RETRIES`. */
  MAX_RETRIES?: number | undefined;
}

export interface LoggingSettings {
  /** Lowest level written by the default console logger. @default 'info' */
  LEVEL?: LogLevel | undefined;
  /** Your own logger (pino or anything with debug/info/warn/error); replaces the console logger. */
  LOGGER?: Logger | undefined;
}

/** After-commit hooks, registered in every process that loads the configuration (the worker too). */
export interface HookSettings {
  /** After the transaction that wrote an event commits. */
  created?: HookHandler<'created'> | undefined;
  /** After a worker recorded an event as published. */
  published?: HookHandler<'published'> | undefined;
  /** After a worker recorded an event as failed for good. */
  failed?: HookHandler<'failed'> | undefined;
  /**
   * Last step of `dispatch.close()`, after backends and store: release what the configuration
   * opened (e.g. `() => orm.close()`), so `dispatch` commands can exit cleanly.
   */
  close?: (() => void | Promise<void>) | undefined;
}

export interface DispatchConfig {
  OUTBOX_PUBLISHERS: Record<string, PublisherConfig>;
  OUTBOX_STORE: StoreConfig;
  OUTBOX_WORKER?: WorkerSettings | undefined;
  OUTBOX_RETENTION?: RetentionSettings | undefined;
  OUTBOX_PUBLISHING?: PublishingSettings | undefined;
  LOGGING?: LoggingSettings | undefined;
  /** Hooks by moment, as with `dispatch.hooks.on(...)`. */
  OUTBOX_HOOKS?: HookSettings | undefined;
  /** Handlers by event type, run after an event of that type commits. */
  OUTBOX_HANDLERS?: Record<string, EventHandler | EventHandler[]> | undefined;
}

export type Complete<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** The configuration with every default filled in. */
export interface ResolvedConfig {
  OUTBOX_PUBLISHERS: Record<string, Complete<PublisherConfig>>;
  OUTBOX_STORE: { STORE: string | StoreDefinition; OPTIONS: Record<string, unknown>; TIMEOUT: number };
  OUTBOX_WORKER: Complete<WorkerSettings>;
  OUTBOX_RETENTION: Complete<RetentionSettings>;
  OUTBOX_PUBLISHING: Complete<Omit<PublishingSettings, 'MAX_RETRIES'>> & { MAX_RETRIES: number };
  LOGGING: { LEVEL: LogLevel; LOGGER: Logger | undefined };
  OUTBOX_HOOKS: HookSettings;
  OUTBOX_HANDLERS: Record<string, EventHandler[]>;
}

/**
 * What a definition takes as `OPTIONS`: its schema's input when the definition declares one
 * (`defineBackend<Options, Input>`), else any object (a module specifier, or an untyped schema).
 */
export type OptionsInputOf<D> = D extends {
  readonly options?: StandardSchemaV1<infer Input, unknown> | undefined;
}
  ? unknown extends Input
    ? Record<string, unknown>
    : Input
  : Record<string, unknown>;

/** A publisher whose `OPTIONS` are typed by the definition given as `BACKEND`. */
export type TypedPublisherConfig<B> = Omit<PublisherConfig, 'BACKEND' | 'OPTIONS'> & {
  BACKEND: B;
  OPTIONS?: OptionsInputOf<B> | undefined;
};

/** `OUTBOX_STORE` with `OPTIONS` typed by the definition given as `STORE` (or `BACKEND`). */
export type TypedStoreConfig<S> =
  | (Omit<StoreConfigWithStore, 'STORE' | 'OPTIONS'> & { STORE: S; OPTIONS?: OptionsInputOf<S> | undefined })
  | (Omit<StoreConfigWithBackend, 'BACKEND' | 'OPTIONS'> & {
      BACKEND: S;
      OPTIONS?: OptionsInputOf<S> | undefined;
    });

/** A configuration whose `OPTIONS` are checked against the definitions it names. */
export type TypedDispatchConfig<Backends, Store> = Omit<
  DispatchConfig,
  'OUTBOX_PUBLISHERS' | 'OUTBOX_STORE'
> & {
  OUTBOX_PUBLISHERS: { [Name in keyof Backends]: TypedPublisherConfig<Backends[Name]> };
  OUTBOX_STORE: TypedStoreConfig<Store>;
};

/**
 * Identity helper that gives `dispatch.config.ts` its types. Where `BACKEND` or `STORE` is the
 * definition itself (imported, not a module specifier), `OPTIONS` is typed by it: completion for
 * `stream_name`, `max_len` ..., and a type error for an option the definition does not have.
 */
export function defineConfig<
  const Backends extends Record<string, string | BackendDefinition>,
  Store extends string | StoreDefinition,
>(config: TypedDispatchConfig<Backends, Store>): DispatchConfig {
  return config as DispatchConfig;
}
