/**
 * Every error Dispatch throws is a `DispatchError` with a stable `code`, so callers can branch on
 * `err.code` instead of parsing messages. Messages say what was wrong, where, and what to do.
 */
export type DispatchErrorCode =
  | 'DISPATCH_CONFIG_INVALID'
  | 'DISPATCH_LOAD_FAILED'
  | 'DISPATCH_UNKNOWN_BACKEND'
  | 'DISPATCH_INVALID_EVENT'
  | 'DISPATCH_BACKEND_UNAVAILABLE'
  | 'DISPATCH_EVENT_REJECTED'
  | 'DISPATCH_PUBLISH_FAILED'
  | 'DISPATCH_TIMEOUT'
  | 'DISPATCH_CLOSED'
  | 'DISPATCH_TRANSACTION_REQUIRED'
  | 'DISPATCH_STORE_NOT_READY'
  | 'DISPATCH_STORE_UNSUPPORTED'
  | 'DISPATCH_STORE_UNAVAILABLE'
  | 'DISPATCH_INVALID_ARGUMENT';

export interface DispatchErrorOptions {
  cause?: unknown;
}

/** Marks Dispatch errors, so that two copies of core (ESM and CommonJS, or two versions) agree. */
const DISPATCH_ERROR: unique symbol = Symbol.for('dispatch.error');

export class DispatchError extends Error {
  readonly code: DispatchErrorCode;
  readonly [DISPATCH_ERROR] = true;

  constructor(code: DispatchErrorCode, message: string, options: DispatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found while validating input: where (a key path) and what. */
export interface Issue {
  /** Dotted key path, e.g. `OUTBOX_PUBLISHERS.default.OPTIONS.port`; empty for the root. */
  path: string;
  message: string;
}

function listIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n');
}

/** The configuration is invalid; `issues` holds every problem found, not just the first. */
export class ConfigError extends DispatchError {
  readonly issues: readonly Issue[];

  constructor(
    issues: readonly Issue[],
    options: DispatchErrorOptions & { source?: string | undefined } = {},
  ) {
    const where = options.source ? ` in ${options.source}` : '';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      'DISPATCH_CONFIG_INVALID',
      `Invalid Dispatch configuration${where} (${count}):\n${listIssues(issues)}`,
      options,
    );
    this.issues = issues;
  }
}

/** A `BACKEND` or `STORE` module specifier could not be loaded or did not export a definition. */
export class LoadError extends DispatchError {
  readonly specifier: string;

  constructor(specifier: string, message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_LOAD_FAILED', message, options);
    this.specifier = specifier;
  }
}

/** An event named a publisher that is not in `OUTBOX_PUBLISHERS`. Nothing was written. */
export class UnknownBackendError extends DispatchError {
  /** The publisher asked for; undefined when none was given and none is the default. */
  readonly publisher: string | undefined;
  /** @deprecated Use `publisher`: the same value, kept for one minor release. */
  readonly backend: string | undefined;
  readonly available: readonly string[];

  constructor(publisher: string | undefined, available: readonly string[], message: string) {
    super('DISPATCH_UNKNOWN_BACKEND', message);
    this.publisher = publisher;
    this.backend = publisher;
    this.available = available;
  }
}

/** `publishEvent` input was invalid. Nothing was written, not even the valid events of the batch. */
export class InvalidEventError extends DispatchError {
  readonly issues: readonly Issue[];
  /** Index of the offending event in a `publishEvents` batch; 0 for a single event. */
  readonly index: number;

  constructor(issues: readonly Issue[], index = 0) {
    const which = index === 0 ? 'Invalid event' : `Invalid event at index ${index}`;
    super('DISPATCH_INVALID_EVENT', `${which}; nothing was written:\n${listIssues(issues)}`);
    this.issues = issues;
    this.index = index;
  }
}

/**
 * The backend cannot be reached (connection refused, timeout, loading, failover). The worker pauses
 * that backend and releases its events without using an attempt.
 */
export class BackendUnavailableError extends DispatchError {
  constructor(message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_BACKEND_UNAVAILABLE', message, options);
  }
}

/** The backend refused this event for good (too large, rejected by a server rule). It fails at once. */
export class EventRejectedError extends DispatchError {
  constructor(message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_EVENT_REJECTED', message, options);
  }
}

/** Publishing failed in a way that may succeed later; the event is retried after a backoff. */
export class PublishFailedError extends DispatchError {
  constructor(message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_PUBLISH_FAILED', message, options);
  }
}

/** An operation ran past its time limit. Treated as the backend being unavailable. */
export class TimeoutError extends DispatchError {
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super('DISPATCH_TIMEOUT', `${what} did not finish within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** A backend, store or dispatch instance was used after `close()`. */
export class ClosedError extends DispatchError {
  constructor(what: string) {
    super('DISPATCH_CLOSED', `${what} is closed; create a new one instead of reusing it after close()`);
  }
}

/** The store requires a transaction (`requireTransaction: true`) and none was given. Nothing was written. */
export class TransactionRequiredError extends DispatchError {
  constructor(message: string) {
    super('DISPATCH_TRANSACTION_REQUIRED', message);
  }
}

/** The store's schema is missing or out of date; the message says to run `dispatch migrate`. */
export class StoreNotReadyError extends DispatchError {
  constructor(message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_STORE_NOT_READY', message, options);
  }
}

/**
 * The store's database could not be reached (refused, unknown host, timed out) when the store
 * connected. The message names the address and says what to check; the driver's error is `cause`.
 */
export class StoreUnavailableError extends DispatchError {
  constructor(message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_STORE_UNAVAILABLE', message, options);
  }
}

/** The database (or its version) lacks something the store needs, such as `SKIP LOCKED`. */
export class StoreUnsupportedError extends DispatchError {
  constructor(message: string, options: DispatchErrorOptions = {}) {
    super('DISPATCH_STORE_UNSUPPORTED', message, options);
  }
}

/** A method of a backend, store or worker was called with an argument it cannot use. */
export class InvalidArgumentError extends DispatchError {
  constructor(message: string) {
    super('DISPATCH_INVALID_ARGUMENT', message);
  }
}

/**
 * Whether `value` is an error Dispatch threw, from this copy of core or any other: recognised by
 * its brand and code, not by `instanceof`.
 */
export function isDispatchError(value: unknown): value is DispatchError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [DISPATCH_ERROR]?: unknown })[DISPATCH_ERROR] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Whether `value` is a Dispatch error with `code` (from any copy of core). */
export function hasErrorCode(value: unknown, code: DispatchErrorCode): value is DispatchError {
  return isDispatchError(value) && value.code === code;
}
