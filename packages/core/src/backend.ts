import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { OutboxEvent } from './event.js';
import type { Logger } from './logger.js';
import type { CallContext } from './timeout.js';

/**
 * Why an event was not published, which decides what the worker does next:
 * - `unavailable`: the backend cannot be reached; the worker pauses the backend and gives the event
 *   back without using an attempt;
 * - `rejected`: the backend will never accept this event; it fails at once;
 * - `retryable`: anything else; the event is tried again after a backoff.
 */
export type FailureKind = 'unavailable' | 'rejected' | 'retryable';

export type PublishOutcome =
  | {
      id: string;
      ok: true;
      /** Where the backend put it (for a stream, the entry id). */
      ref?: string | undefined;
    }
  | {
      id: string;
      ok: false;
      failure: FailureKind;
      error: Error;
    };

export interface BackendHealth {
  ok: boolean;
  /** Why it is not ok; never contains credentials. */
  error?: string | undefined;
  /** Backend-specific facts (stream length, server version, ...). */
  details?: Record<string, unknown> | undefined;
  /** Round-trip time of the check, in milliseconds. */
  latencyMs?: number | undefined;
}

/**
 * What a backend implements: its I/O and nothing else. Core's wrapper owns the lifecycle (connect
 * once, no use after close, timeouts) and turns thrown errors into per-event outcomes.
 */
export interface BackendDriver {
  /** Open connections. Called once before the first publish or health check; may be absent. */
  connect?(): Promise<void>;
  /**
   * Publish a batch, in order, and report one outcome per event. Must not report an event as
   * published unless the backend acknowledged that event's write. Throwing fails the whole batch
   * with the kind given by `classify`. `call.signal` aborts at the publisher's `PUBLISH_TIMEOUT`,
   * when core gives up on the batch (its events are then retried): pass it to I/O that can be
   * cancelled, such as `fetch`.
   */
  publish(events: readonly OutboxEvent[], call: CallContext): Promise<PublishOutcome[]>;
  /**
   * A cheap round trip proving the backend can take writes. May throw; core reports it as not ok.
   * `call.signal` aborts at `PUBLISH_TIMEOUT`.
   */
  health(call: CallContext): Promise<BackendHealth>;
  /** Release connections. Called once. */
  close(): Promise<void>;
  /** Map an error thrown by `connect`, `publish` or `health` to a failure kind. @default 'retryable' */
  classify?(error: unknown): FailureKind;
}

/** Facts core hands a backend when creating it. */
export interface BackendContext {
  /** The publisher's name in `OUTBOX_PUBLISHERS`. */
  name: string;
  logger: Logger;
  /** Folder of the configuration file; relative paths in options resolve against it. */
  configDir: string;
  /**
   * Call when the driver's connection is back after it was lost (its client reconnected). A worker
   * that paused this backend checks it at once instead of at its next probe, some seconds later.
   */
  reconnected: () => void;
}

/** What a backend guarantees. Declared on its definition; the worker and the conformance suite read it. */
export interface BackendCapabilities {
  /** Publishing the same event id again does not create a second message. @default false */
  idempotent?: boolean | undefined;
  /**
   * Messages of one batch are stored in the order given. Per-key order depends on it: a batch
   * holds runs of a key's events in sequence order. For a backend without it the worker sends a
   * key's events one publish call after another. @default true
   */
  preservesBatchOrder?: boolean | undefined;
}

/**
 * Capabilities computed from a definition's validated options. Written as a method's type, so a
 * definition for particular options still counts as a definition for unknown ones (as `create` does).
 */
export type CapabilitiesOf<Options, C> = { bivariant(options: Options): C }['bivariant'];

/** `BackendCapabilities` with the defaults filled in. */
export type ResolvedBackendCapabilities = { readonly [K in keyof BackendCapabilities]-?: boolean };

export const BACKEND_BRAND: unique symbol = Symbol.for('dispatch.backend-definition');

/**
 * `Options`: what `create` receives (the schema's output). `Input`: what a configuration writes in
 * `OPTIONS` (the schema's input); `defineConfig` types `OPTIONS` with it when the definition itself
 * is given as `BACKEND`.
 */
export interface BackendDefinition<Options = unknown, Input = unknown> {
  readonly [BACKEND_BRAND]: true;
  /** Short identifier of the kind of backend, e.g. `redis-stream`. */
  readonly type: string;
  /**
   * Schema for the publisher's `OPTIONS` (zod, valibot, arktype... anything implementing Standard
   * Schema). Validated before `create`; its output is what `create` receives.
   */
  readonly options?: StandardSchemaV1<Input, Options> | undefined;
  /**
   * Checks that need no connection, run once when the configuration is loaded (e.g. that the
   * chosen client library is installed). A throw is reported with the configuration's other
   * problems, so the process stops at start instead of pausing the backend forever at run time.
   */
  prepare?(options: Options): void | Promise<void>;
  /**
   * What it guarantees: fixed, or from the validated options (e.g. idempotent only while an option
   * turns deduplication on). @default { idempotent: false, preservesBatchOrder: true }
   */
  readonly capabilities?: BackendCapabilities | CapabilitiesOf<Options, BackendCapabilities> | undefined;
  create(options: Options, context: BackendContext): BackendDriver | Promise<BackendDriver>;
}

export type BackendDefinitionInput<Options, Input = unknown> = Omit<
  BackendDefinition<Options, Input>,
  typeof BACKEND_BRAND
>;

/**
 * Declare a backend. Export the result as the module's default export so `BACKEND` can load it.
 * Give `Input` (the options as a configuration writes them) for typed `OPTIONS` in `defineConfig`.
 */
export function defineBackend<Options = Record<string, never>, Input = unknown>(
  definition: BackendDefinitionInput<Options, Input>,
): BackendDefinition<Options, Input> {
  return Object.freeze({ ...definition, [BACKEND_BRAND]: true as const });
}

export function isBackendDefinition(value: unknown): value is BackendDefinition {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BACKEND_BRAND] === true
  );
}

/** Outcome helpers for backend authors. */
export function published(id: string, ref?: string): PublishOutcome {
  return { id, ok: true, ref };
}

export function failed(id: string, failure: FailureKind, error: Error): PublishOutcome {
  return { id, ok: false, failure, error };
}

/** The capabilities a definition declares for these options, with the defaults filled in. */
export function backendCapabilities<O>(
  definition: Pick<BackendDefinition<O>, 'capabilities'>,
  options: O,
): ResolvedBackendCapabilities {
  const declared =
    typeof definition.capabilities === 'function'
      ? definition.capabilities(options)
      : (definition.capabilities ?? {});
  return Object.freeze({
    idempotent: declared.idempotent ?? false,
    preservesBatchOrder: declared.preservesBatchOrder ?? true,
  });
}

/** A backend as the rest of Dispatch sees it: created, validated and guarded by core. */
export interface Backend {
  /** The publisher's name in `OUTBOX_PUBLISHERS`. */
  readonly name: string;
  /** The definition's `type`. */
  readonly type: string;
  /** What the definition declares for this publisher's options. */
  readonly capabilities: ResolvedBackendCapabilities;
  /**
   * One outcome per event, in the order given. Never rejects for a backend failure (those become
   * outcomes); rejects with `ClosedError` after `close()`.
   */
  publish(events: readonly OutboxEvent[]): Promise<PublishOutcome[]>;
  /** Never rejects; a failure is `{ ok: false, error }`. */
  health(): Promise<BackendHealth>;
  /** Idempotent. Waits for publishes in flight, then closes the driver. */
  close(): Promise<void>;
  /**
   * `listener` runs whenever the driver reports its connection back (see
   * `BackendContext.reconnected`); returns a function that removes it.
   */
  onReconnect(listener: () => void): () => void;
}
