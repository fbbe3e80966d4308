import { dirname } from 'node:path';
import type { Backend } from './backend.js';
import { isBackendDefinition } from './backend.js';
import type { CloudEvent } from './cloud-event.js';
import {
  DEFAULT_PUBLISH_TIMEOUT,
  DEFAULT_STORE_TIMEOUT,
  loadableEntries,
  resolveConfig,
  storeKeyOf,
} from './config.js';
import type { DispatchConfig, ResolvedConfig, StoreKey } from './config-types.js';
import { ClosedError, ConfigError, hasErrorCode, InvalidEventError, type Issue } from './errors.js';
import type { NewEvent } from './event.js';
import {
  cloudEventToInput,
  type PublishCloudEventOptions,
  type PublishEventInput,
  prepareEvent,
} from './event-input.js';
import { Hooks } from './hooks.js';
import { loadDefinition } from './loader.js';
import { childLogger, createConsoleLogger, type Logger, silentLogger } from './logger.js';
import { createBackend } from './managed-backend.js';
import { createStore } from './managed-store.js';
import { requestedPublisher } from './publisher-alias.js';
import { resolvePublisherName } from './routing.js';
import { isStoreDefinition, type OutboxStore } from './store.js';
import { loadTraceContextReader, withTraceContext } from './trace-context.js';

export interface PublishOptions {
  /**
   * The caller's transaction, in the store's form (for `@dispatch/orm-mikro`, the `EntityManager`
   * of the transaction). Leave out to join the ORM's ambient transaction, or write on its own.
   */
  transaction?: unknown;
}

export interface Publisher {
  /** Validate and write one event in the caller's transaction; returns what was written. */
  publishEvent(input: PublishEventInput, options?: PublishOptions): Promise<NewEvent>;
  /** Validate every event, then write them all in one round trip; nothing is written if any is invalid. */
  publishEvents(inputs: readonly PublishEventInput[], options?: PublishOptions): Promise<NewEvent[]>;
  /** Write a CloudEvent (JSON form), keeping every attribute. */
  publishCloudEvent(
    cloudEvent: CloudEvent,
    options?: PublishCloudEventOptions & PublishOptions,
  ): Promise<NewEvent>;
}

export interface Dispatch {
  readonly config: ResolvedConfig;
  /** Folder relative `BACKEND` and `STORE` paths resolve against. */
  readonly configDir: string;
  readonly logger: Logger;
  readonly publisher: Publisher;
  readonly store: OutboxStore;
  /** Every configured publisher's backend, by name. Each connects on first use, not before. */
  readonly backends: ReadonlyMap<string, Backend>;
  /** After-commit hooks and the per-type handler registry. */
  readonly hooks: Hooks;
  /** Close backends and store. Idempotent. */
  close(): Promise<void>;
}

export interface CreateDispatchOptions {
  /** Folder relative `BACKEND` and `STORE` paths resolve against. @default the config file's folder, else cwd */
  configDir?: string | undefined;
  /** Where the configuration came from, for error messages. */
  source?: string | undefined;
}

/**
 * Validate the configuration, load every backend and the store, and return the publisher.
 * Nothing connects yet: a process that only publishes never opens a backend connection.
 */
export async function createDispatch(
  config: DispatchConfig | ResolvedConfig,
  options: CreateDispatchOptions = {},
): Promise<Dispatch> {
  const configDir = options.configDir ?? (options.source ? dirname(options.source) : process.cwd());
  let resolved: ResolvedConfig;
  try {
    resolved = resolveConfig(config, options.source);
  } catch (error) {
    if (!hasErrorCode(error, 'DISPATCH_CONFIG_INVALID')) throw error;
    // Also load what can be loaded, so a wrong module or bad options show up in the same report.
    const { publishers, store } = loadableEntries(config);
    const loaded = await loadEntries(publishers, store, configDir, silentLogger);
    throw new ConfigError([...(error as ConfigError).issues, ...loaded.issues], { source: options.source });
  }
  const logger = resolved.LOGGING.LOGGER ?? createConsoleLogger({ level: resolved.LOGGING.LEVEL });
  const storeKey = storeKeyOf(config);
  if (storeKey === 'BACKEND') {
    logger.warn(
      { key: 'OUTBOX_STORE.BACKEND' },
      'OUTBOX_STORE.BACKEND is deprecated: rename it to OUTBOX_STORE.STORE',
    );
  }
  const loaded = await loadEntries(
    resolved.OUTBOX_PUBLISHERS,
    { ...resolved.OUTBOX_STORE, key: storeKey },
    configDir,
    logger,
  );
  if (loaded.issues.length > 0 || !loaded.store)
    throw new ConfigError(loaded.issues, { source: options.source });
  const { backends, store } = loaded;

  const hooks = new Hooks(childLogger(logger, 'hooks'));
  for (const name of ['created', 'published', 'failed'] as const) {
    const handler = resolved.OUTBOX_HOOKS[name];
    if (handler) hooks.on(name, handler as never);
  }
  for (const [eventType, handlers] of Object.entries(resolved.OUTBOX_HANDLERS)) {
    for (const handler of handlers) hooks.register(eventType, handler);
  }
  const publisherNames = Object.keys(resolved.OUTBOX_PUBLISHERS);
  const limits = {
    maxPayloadBytes: resolved.OUTBOX_PUBLISHING.MAX_PAYLOAD_BYTES,
    defaultMaxRetries: resolved.OUTBOX_PUBLISHING.MAX_RETRIES,
  };
  const outboxStore = store;
  const readTraceContext = await loadTraceContextReader();
  let closed = false;
  let closing: Promise<void> | undefined;

  const prepare = (input: PublishEventInput, index: number, createdAt = new Date()): NewEvent => {
    // An unknown publisher throws here, in the caller's code, before anything is written.
    const where = index === 0 ? 'publishEvent input' : `publishEvents input at index ${index}`;
    const publisherName = resolvePublisherName(requestedPublisher(input, where), publisherNames);
    const result = prepareEvent(input, publisherName, limits, createdAt);
    if (!result.event) throw new InvalidEventError(result.issues, index);
    result.event.extensions = withTraceContext(result.event.extensions, readTraceContext);
    return result.event;
  };

  const write = async (events: NewEvent[], options: PublishOptions | undefined): Promise<NewEvent[]> => {
    if (closed) throw new ClosedError('Dispatch');
    await outboxStore.insert(events, {
      transaction: options?.transaction,
      onCommit: () => {
        for (const event of events) void hooks.emit('created', event);
      },
    });
    return events;
  };

  const publisher: Publisher = {
    async publishEvent(input, options) {
      const [event] = await write([prepare(input, 0)], options);
      return event as NewEvent;
    },
    async publishEvents(inputs, options) {
      if (!Array.isArray(inputs)) {
        throw new InvalidEventError([{ path: '', message: 'publishEvents expects an array of events' }]);
      }
      const now = new Date();
      return write(
        inputs.map((input, index) => prepare(input, index, now)),
        options,
      );
    },
    async publishCloudEvent(cloudEvent, options = {}) {
      const { transaction, ...publishOptions } = options;
      const { input, createdAt, issues: cloudIssues } = cloudEventToInput(cloudEvent, publishOptions);
      if (cloudIssues.length > 0) throw new InvalidEventError(cloudIssues);
      const [event] = await write([prepare(input, 0, createdAt)], { transaction });
      return event as NewEvent;
    },
  };

  return {
    config: resolved,
    configDir,
    logger,
    publisher,
    store: outboxStore,
    backends,
    hooks,
    close() {
      if (!closing) {
        closed = true;
        closing = (async () => {
          const results = await Promise.allSettled([
            ...[...backends.values()].map((b) => b.close()),
            outboxStore.close(),
          ]);
          // The configuration's own resources (an ORM it opened) go last: the store may still use them.
          const closeHook = resolved.OUTBOX_HOOKS.close;
          if (closeHook) results.push(...(await Promise.allSettled([closeHook()])));
          const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failure) throw failure.reason;
        })();
      }
      return closing;
    },
  };
}

interface Entry {
  BACKEND: unknown;
  OPTIONS: unknown;
  PUBLISH_TIMEOUT?: number;
}

interface StoreEntry {
  STORE: unknown;
  OPTIONS: unknown;
  /** Seconds; the default when absent. */
  TIMEOUT?: number;
  /** The key the configuration named the store with, for error paths. */
  key: StoreKey;
}

/**
 * Load every publisher's backend and the store, validating their options. Nothing connects:
 * creating a backend or store opens no connection. Every problem is collected, none thrown.
 */
async function loadEntries(
  publishers: Record<string, Entry>,
  storeEntry: StoreEntry | undefined,
  configDir: string,
  logger: Logger,
): Promise<{ backends: Map<string, Backend>; store: OutboxStore | undefined; issues: Issue[] }> {
  const issues: Issue[] = [];
  const collect = (path: string, error: unknown): void => {
    if (hasErrorCode(error, 'DISPATCH_CONFIG_INVALID')) issues.push(...(error as ConfigError).issues);
    else issues.push({ path, message: (error as Error).message });
  };
  const backends = new Map<string, Backend>();
  for (const [name, entry] of Object.entries(publishers)) {
    try {
      const definition =
        typeof entry.BACKEND === 'string'
          ? await loadDefinition(entry.BACKEND, 'backend', configDir)
          : entry.BACKEND;
      if (!isBackendDefinition(definition)) continue; // the schema has reported it
      backends.set(
        name,
        await createBackend(definition, entry.OPTIONS, {
          name,
          logger: childLogger(logger, 'backend', { backend: name }),
          configDir,
          timeoutMs: (entry.PUBLISH_TIMEOUT ?? DEFAULT_PUBLISH_TIMEOUT) * 1000,
        }),
      );
    } catch (error) {
      collect(`OUTBOX_PUBLISHERS.${name}.BACKEND`, error);
    }
  }
  let store: OutboxStore | undefined;
  if (storeEntry) {
    try {
      const definition =
        typeof storeEntry.STORE === 'string'
          ? await loadDefinition(storeEntry.STORE, 'store', configDir)
          : storeEntry.STORE;
      if (isStoreDefinition(definition)) {
        store = await createStore(definition, storeEntry.OPTIONS, {
          logger: childLogger(logger, 'store'),
          configDir,
          timeoutMs: (storeEntry.TIMEOUT ?? DEFAULT_STORE_TIMEOUT) * 1000,
        });
      }
    } catch (error) {
      collect(`OUTBOX_STORE.${storeEntry.key}`, error);
    }
  }
  return { backends, store, issues };
}
