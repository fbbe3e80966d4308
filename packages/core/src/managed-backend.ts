import {
  type Backend,
  type BackendDefinition,
  type BackendDriver,
  type BackendHealth,
  backendCapabilities,
  type FailureKind,
  type PublishOutcome,
} from './backend.js';
import { ClosedError, ConfigError, hasErrorCode, isDispatchError, PublishFailedError } from './errors.js';
import type { OutboxEvent } from './event.js';
import { dispatchFailureKind, errorForFailure } from './failure-kinds.js';
import type { Logger } from './logger.js';
import { redactText } from './redact.js';
import { validateWith } from './schema-issues.js';
import { withDeadline, withTimeout } from './timeout.js';

export interface CreateBackendOptions {
  /** Publisher name in `OUTBOX_PUBLISHERS`. */
  name: string;
  logger: Logger;
  configDir?: string | undefined;
  /** Longest a batch publish or health check may take. @default 30000 */
  timeoutMs?: number | undefined;
}

/** Validate a backend's options; throws `ConfigError` with key paths under `pathPrefix`. */
export async function validateBackendOptions<O>(
  definition: BackendDefinition<O>,
  options: unknown,
  pathPrefix: string,
): Promise<O> {
  if (!definition.options) return (options ?? {}) as O;
  const result = await validateWith(definition.options, options ?? {}, pathPrefix);
  if (!result.ok) throw new ConfigError(result.issues);
  return result.value;
}

/** The failure kind an error stands for, whoever raised it. */
export function failureKindOf(error: unknown, classify?: (error: unknown) => FailureKind): FailureKind {
  const known = dispatchFailureKind(error);
  if (known) return known;
  if (classify) {
    try {
      return classify(error);
    } catch {
      return 'retryable';
    }
  }
  return 'retryable';
}

function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(typeof error === 'string' ? error : 'unknown error');
}

/** An error for an outcome, with credentials stripped from its message. */
function outcomeError(kind: FailureKind, error: unknown, backend: string): Error {
  const original = asError(error);
  if (isDispatchError(original)) return original;
  return errorForFailure(kind, `${backend}: ${redactText(original.message)}`, original);
}

/**
 * Wrap a backend definition so that every backend behaves the same way: options validated up
 * front, the driver created and connected once on first use (and again after a failed connect),
 * no use after close, a time limit on each call, thrown errors turned into per-event outcomes, and
 * exactly one outcome per event whatever the driver returned.
 */
export async function createBackend<O>(
  definition: BackendDefinition<O>,
  rawOptions: unknown,
  options: CreateBackendOptions,
): Promise<Backend> {
  const validated = await validateBackendOptions(
    definition,
    rawOptions,
    `OUTBOX_PUBLISHERS.${options.name}.OPTIONS`,
  );
  if (definition.prepare) {
    try {
      await definition.prepare(validated);
    } catch (error) {
      throw new ConfigError(
        [{ path: `OUTBOX_PUBLISHERS.${options.name}`, message: redactText((error as Error).message) }],
        {
          cause: error,
        },
      );
    }
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const label = `Backend "${options.name}" (${definition.type})`;
  let driver: Promise<BackendDriver> | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const reconnectListeners = new Set<() => void>();
  const reconnected = () => {
    for (const listener of reconnectListeners) {
      try {
        listener();
      } catch (error) {
        options.logger.debug({ err: asError(error).message }, 'a reconnect listener threw');
      }
    }
  };

  const ready = (): Promise<BackendDriver> => {
    if (closed) return Promise.reject(new ClosedError(label));
    if (!driver) {
      driver = (async () => {
        const created = await definition.create(validated, {
          name: options.name,
          logger: options.logger,
          configDir: options.configDir ?? process.cwd(),
          reconnected,
        });
        if (created.connect) {
          try {
            await withTimeout(created.connect(), timeoutMs, `${label} connect`);
          } catch (error) {
            // Core owns the lifecycle: a driver that could not connect (or took too long) is closed
            // here, so its half-open connection and reconnect timers do not outlive the attempt.
            await Promise.resolve()
              .then(() => created.close())
              .catch(() => {});
            throw error;
          }
        }
        return created;
      })();
      // A failed create/connect is retried on the next call rather than cached forever.
      driver.catch(() => {
        driver = undefined;
      });
    }
    return driver;
  };

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
    return work;
  };

  const publishBatch = async (events: readonly OutboxEvent[]): Promise<PublishOutcome[]> => {
    if (events.length === 0) return [];
    const failAll = (kind: FailureKind, error: unknown): PublishOutcome[] => {
      const err = outcomeError(kind, error, label);
      return events.map((event) => ({ id: event.id, ok: false, failure: kind, error: err }));
    };
    let instance: BackendDriver;
    try {
      instance = await ready();
    } catch (error) {
      if (hasErrorCode(error, 'DISPATCH_CLOSED')) throw error;
      // Could not create or connect: the backend is unreachable, not the events at fault.
      return failAll(hasErrorCode(error, 'DISPATCH_EVENT_REJECTED') ? 'rejected' : 'unavailable', error);
    }
    let results: PublishOutcome[];
    try {
      results = await withDeadline(
        (call) => instance.publish(events, call),
        timeoutMs,
        `${label} publish of ${events.length} events`,
      );
    } catch (error) {
      return failAll(failureKindOf(error, instance.classify?.bind(instance)), error);
    }
    const byId = new Map<string, PublishOutcome>();
    for (const result of Array.isArray(results) ? results : []) {
      if (!byId.has(result.id)) byId.set(result.id, result);
    }
    return events.map((event): PublishOutcome => {
      const result = byId.get(event.id);
      if (!result) {
        return {
          id: event.id,
          ok: false,
          failure: 'retryable',
          error: new PublishFailedError(`${label} returned no outcome for event ${event.id}`),
        };
      }
      if (result.ok) return result;
      const kind = result.failure ?? failureKindOf(result.error, instance.classify?.bind(instance));
      return { id: event.id, ok: false, failure: kind, error: outcomeError(kind, result.error, label) };
    });
  };

  return {
    name: options.name,
    type: definition.type,
    capabilities: backendCapabilities(definition, validated),
    publish(events) {
      if (closed) return Promise.reject(new ClosedError(label));
      return track(publishBatch(events));
    },
    async health(): Promise<BackendHealth> {
      if (closed) return { ok: false, error: `${label} is closed` };
      const started = performance.now();
      try {
        const instance = await ready();
        const result = await withDeadline(
          (call) => instance.health(call),
          timeoutMs,
          `${label} health check`,
        );
        return {
          ...result,
          error: result.error && redactText(result.error),
          latencyMs: performance.now() - started,
        };
      } catch (error) {
        return {
          ok: false,
          error: redactText(asError(error).message),
          latencyMs: performance.now() - started,
        };
      }
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    close() {
      if (!closing) {
        closed = true;
        reconnectListeners.clear();
        closing = (async () => {
          await Promise.allSettled([...inFlight]);
          const current = driver;
          driver = undefined;
          if (current) {
            const instance = await current.catch(() => undefined);
            await instance?.close();
          }
        })();
      }
      return closing;
    },
  };
}
