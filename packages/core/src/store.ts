import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { CapabilitiesOf } from './backend.js';
import type { EventStatus, NewEvent, OutboxEvent } from './event.js';
import type { Logger } from './logger.js';
import type { CallContext } from './timeout.js';

/** What the publisher hands the store with each write. */
export interface InsertContext {
  /**
   * The caller's transaction, in whatever form the store understands (a MikroORM `EntityManager`,
   * a memory-store transaction...). `undefined` means "no explicit transaction": the store joins
   * an ambient one if its ORM has such a thing, else writes and commits on its own.
   */
  transaction: unknown;
  /**
   * Call once after the transaction holding the rows commits (at once when the store committed on
   * its own); never when it rolls back. Drives the `created` hooks and in-process wake-ups, so a
   * handler never sees an event whose transaction rolled back.
   */
  onCommit: () => void;
}

export interface ClaimRequest {
  /**
   * The claiming worker's lease token, unique per worker instance. Every outcome write is
   * conditional on it (fencing), so a worker that stalled past its lease cannot overwrite the work
   * of the worker that took the event over.
   */
  owner: string;
  /** At most this many events. */
  limit: number;
  /** Lease length; `lockedUntil` = store clock now + `leaseMs`. */
  leaseMs: number;
  /** Only events for these publishers (the worker leaves paused backends alone); all when absent. */
  backends?: readonly string[] | undefined;
  /**
   * Also hand `owner` the continuation of runs it holds already: a key whose only live leases are
   * this owner's may go on with its next due events, as if those leased events were part of this
   * claim. The caller must then publish them only after its earlier publish of the key has
   * finished, and give them back unpublished when an earlier event of the key was not published.
   * @default false
   */
  continueRuns?: boolean | undefined;
}

/** What a worker records for an event it holds. */
export type OutcomeRecord =
  | { id: string; status: 'published' }
  /** Try again no earlier than store clock now + `delayMs`; the attempt counts. */
  | { id: string; status: 'retry'; delayMs: number; error: string }
  /** Final failure (rejected, or out of retries). */
  | { id: string; status: 'failed'; error: string }
  /**
   * Give the event back without using its attempt (backend unavailable, shutdown before publish,
   * publisher no longer configured); claimable again after `delayMs` (default 0).
   */
  | { id: string; status: 'released'; delayMs?: number | undefined; reason?: string | undefined };

export interface RecordResult {
  /** Ids whose outcome was written. */
  applied: string[];
  /** Ids whose lease this owner no longer holds; nothing was written for them. */
  lost: string[];
}

export interface EventFilter {
  status?: readonly EventStatus[] | undefined;
  eventType?: string | undefined;
  source?: string | undefined;
  key?: string | undefined;
  /** Only events of this publisher (`OUTBOX_PUBLISHERS` name). */
  publisher?: string | undefined;
  /**
   * @deprecated Use `publisher`. Core's wrapper hands a store both, set to the same value, so a
   * store may read either.
   */
  backend?: string | undefined;
  /** Created at or after. */
  since?: Date | undefined;
  /** Created before. */
  until?: Date | undefined;
  /** Case-insensitive substring of id, type, source or subject. */
  search?: string | undefined;
  ids?: readonly string[] | undefined;
}

export interface ListRequest {
  filter?: EventFilter | undefined;
  /** Page size. @default 50 */
  limit?: number | undefined;
  /** Cursor from a previous page's `next` (of a request with the same `order`). */
  after?: string | undefined;
  /** Newest first (highest sequence first) or oldest first. @default 'newest' */
  order?: 'newest' | 'oldest' | undefined;
}

export interface ListPage {
  /** In the requested order: newest first unless `order` is `'oldest'`. */
  events: OutboxEvent[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface CleanupRequest {
  /** Which final status to delete. */
  status: 'published' | 'failed';
  /** Only events that reached that status longer ago than this (store clock). */
  olderThanMs: number;
  /** Delete at most this many in one call; callers loop until fewer come back. */
  limit: number;
  /** Count what would be deleted (ignoring `limit`), delete nothing. */
  dryRun?: boolean | undefined;
}

export interface StoreStats {
  counts: Record<EventStatus, number>;
  /** Age of the oldest due `pending`/`retry` event; null when none is due. */
  oldestPendingAgeMs: number | null;
  /** Events under a live lease. */
  inFlight: number;
  byBackend: Record<string, Record<EventStatus, number>>;
}

export interface ActivityRequest {
  /** How far back from the store's now the report reaches; buckets = ceil(windowMs / bucketMs). */
  windowMs: number;
  /** Width of one bucket. Buckets start at whole multiples of it since the epoch (whole minutes). */
  bucketMs: number;
}

/**
 * One time bucket of an activity report. Counts come from the events' current state: an event that
 * failed and was requeued counts where it is now, and events already deleted by cleanup are gone.
 */
export interface ActivityBucket {
  start: Date;
  /** Events created in the bucket (`createdAt`). */
  created: number;
  /** Events published in the bucket. */
  published: number;
  /** Events now `failed` whose failure was recorded in the bucket. */
  failed: number;
  /**
   * Events created by the bucket's end (the store's now, for the last bucket) and not yet published
   * or failed at that time: waiting, retrying or in flight.
   */
  backlog: number;
}

export interface ActivityReport {
  /** The store's clock when the report was taken. */
  now: Date;
  /** Oldest first; the last bucket holds the store's now. */
  buckets: ActivityBucket[];
}

/** What `migrate()` did. */
export interface MigrateResult {
  /**
   * `created`: there was no outbox table; `updated`: there was one, missing something the store
   * needs; `unchanged`: it was already as needed; `done`: the store did not say; `none`: the
   * store has no schema (the memory store).
   */
  outcome: 'created' | 'updated' | 'unchanged' | 'done' | 'none';
  /** The table (or tables) it concerns, when the store has one. */
  table?: string | undefined;
}

export interface StoreHealth {
  ok: boolean;
  error?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/**
 * What a store implements. Core's wrapper owns the lifecycle (connect once, no use after close)
 * and the deadline of every call but `insert` and `migrate` (`OUTBOX_STORE.TIMEOUT`: at it, core
 * rejects the call and aborts `call.signal`; a store that can cancel its query passes the signal
 * on). The store owns its I/O and the rules below, each of which closes a race between workers, or
 * between a worker and a writer. The conformance suite in `@dispatch/core/testing` checks every one of them.
 */
export interface StoreDriver {
  /** Check the schema is there and usable (`StoreNotReadyError` names `dispatch migrate` if not). */
  connect?(): Promise<void>;

  /**
   * Create or update the outbox schema. Idempotent. Says what it found when it can (a store that
   * returns nothing is reported as `outcome: 'done'`).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: stores written before MigrateResult return Promise<void>.
  migrate?(): Promise<MigrateResult | undefined | void>;

  /**
   * Write events in the caller's transaction, so an event exists if and only if the caller's
   * change committed (the race: a worker publishing an event whose business change rolled back).
   * An id that already exists is skipped, not duplicated and not an error (idempotent publishing).
   * New events are `pending`, attempts 0, `availableAt` = `scheduledAt` or the store's now.
   */
  insert(events: readonly NewEvent[], context: InsertContext): Promise<void>;

  /**
   * Atomically take up to `limit` due events (`pending`/`retry` with `availableAt` <= now, or
   * `processing` with an expired lease) and lease them to `owner`: status `processing`,
   * `lockedUntil` = now + `leaseMs`, attempts + 1, all on the store's clock. Oldest first.
   *
   * - No event is handed to two live leases (the race: two workers publishing the same event).
   * - An expired lease is claimable with no manual step, and the attempt it used stays counted
   *   (the race: a crash between "processing" and "published" leaving the event stuck forever).
   * - Ordering, by key runs: among events that share a non-null `key`, a claim may hand ONE owner
   *   a run: the key's earliest non-final event (lowest sequence; non-final = `pending`, `retry`,
   *   `processing`) and the consecutive events after it, in sequence order, as long as each is due
   *   and of a requested backend (`backends`). The run stops at the first non-final event of the
   *   key that is not due or not of a requested backend; nothing after it is claimed. A key is
   *   claimable only when no event of it is under a live lease, and is then held whole even if an
   *   earlier event of it was requeued. `failed` and `published` events never hold a key back.
   *   Events with no key are unordered.
   * - `limit` counts events, not keys: one run can fill the whole batch, and the limit can cut a
   *   run short (the rest waits, since the key is then leased). Events come back in sequence order.
   * - No event of a key is ever handed out while an earlier non-final event of that key is not in
   *   the same claim, across concurrent claimers too (the race: a retried event being overtaken by
   *   a later one of the same key).
   * - Returns only once the claim is committed; no lock is held while the caller publishes.
   */
  claim(request: ClaimRequest, call?: CallContext): Promise<OutboxEvent[]>;

  /** Extend the lease of events `owner` still holds; returns those ids. The rest were lost. */
  renew(owner: string, ids: readonly string[], leaseMs: number, call?: CallContext): Promise<string[]>;

  /**
   * Write outcomes for events `owner` holds, in one round trip where the database allows.
   * Every write is conditional on `owner` still holding the event (status `processing` and the
   * same lease token); otherwise the id is reported in `lost` and nothing is changed (the race:
   * a worker that paused past its lease overwriting the worker that took over). A lease that
   * expired but was not yet taken over still belongs to its owner: recording then is safe and
   * avoids a needless second publish. A `retry` or
   * `failed` outcome sets `lastError` and appends to `history`; `released` undoes the attempt.
   *
   * Key runs, on the caller's side: publish a claimed run in order. When an event of a run is not
   * published, record the rest of that key's run in the batch as `released` (no attempt used)
   * instead of publishing it, so the key waits for the failed event's retry.
   */
  record(owner: string, outcomes: readonly OutcomeRecord[], call?: CallContext): Promise<RecordResult>;

  /** Delete old final events in a bounded batch, never holding long locks. Returns the count. */
  cleanup(request: CleanupRequest, call?: CallContext): Promise<number>;

  list(request: ListRequest, call?: CallContext): Promise<ListPage>;

  get(id: string, call?: CallContext): Promise<OutboxEvent | null>;

  /**
   * Put `failed` events back to `pending` with attempts 0 and due now. Only failed events: an
   * in-flight one is never touched (its lease recovers it), a published one is never re-sent.
   */
  requeue(ids: readonly string[], call?: CallContext): Promise<number>;

  /**
   * Mark `pending`/`retry` events `failed` with `reason`. Never a `processing` event (a worker may be
   * publishing it at this moment) nor a `published` one.
   */
  fail(ids: readonly string[], reason: string, call?: CallContext): Promise<number>;

  stats(call?: CallContext): Promise<StoreStats>;

  /**
   * Counts per time bucket for charts (see `ActivityBucket`), on the store's clock. Must stay cheap
   * on a big table: it may read the events that finished inside the window and the events not final
   * yet, never the whole published history.
   */
  activity(request: ActivityRequest, call?: CallContext): Promise<ActivityReport>;

  health(call?: CallContext): Promise<StoreHealth>;

  /**
   * Optional wake-up channel: `listener` is called soon after events commit (from any process),
   * so a worker need not wait for its poll. Resolves to an unsubscribe function.
   */
  subscribe?(listener: () => void): Promise<() => Promise<void>>;

  close(): Promise<void>;
}

/** Facts core hands a store when creating it. */
export interface StoreContext {
  logger: Logger;
  configDir: string;
}

/** What a store can do. Declared on its definition; the conformance suite reads it there. */
export interface StoreCapabilities {
  /** It writes inside a caller's transaction (`insert` with `{ transaction }`). @default false */
  transactions?: boolean | undefined;
  /** Its `subscribe` wakes listeners when events commit, from any process. @default false */
  wakeups?: boolean | undefined;
}

/** `StoreCapabilities` with the defaults filled in. */
export type ResolvedStoreCapabilities = { readonly [K in keyof StoreCapabilities]-?: boolean };

export const STORE_BRAND: unique symbol = Symbol.for('dispatch.store-definition');

/**
 * `Options`: what `create` receives (the schema's output). `Input`: what a configuration writes in
 * `OUTBOX_STORE.OPTIONS`; `defineConfig` types `OPTIONS` with it when the definition is given as `STORE`.
 */
export interface StoreDefinition<Options = unknown, Input = unknown> {
  readonly [STORE_BRAND]: true;
  /** Short identifier, e.g. `mikro-orm`. */
  readonly type: string;
  /** Schema for `OUTBOX_STORE.OPTIONS` (any Standard Schema implementation). */
  readonly options?: StandardSchemaV1<Input, Options> | undefined;
  /**
   * What it can do: fixed, or from the validated options (e.g. wake-ups only on PostgreSQL).
   * @default { transactions: false, wakeups: false }
   */
  readonly capabilities?: StoreCapabilities | CapabilitiesOf<Options, StoreCapabilities> | undefined;
  create(options: Options, context: StoreContext): StoreDriver | Promise<StoreDriver>;
}

/** The capabilities a definition declares for these options, with the defaults filled in. */
export function storeCapabilities<O>(
  definition: Pick<StoreDefinition<O>, 'capabilities'>,
  options: O,
): ResolvedStoreCapabilities {
  const declared =
    typeof definition.capabilities === 'function'
      ? definition.capabilities(options)
      : (definition.capabilities ?? {});
  return Object.freeze({ transactions: declared.transactions ?? false, wakeups: declared.wakeups ?? false });
}

export type StoreDefinitionInput<Options, Input = unknown> = Omit<
  StoreDefinition<Options, Input>,
  typeof STORE_BRAND
>;

/**
 * Declare a store. Export the result as the module's default export so `OUTBOX_STORE` can load it.
 * Give `Input` (the options as a configuration writes them) for typed `OPTIONS` in `defineConfig`.
 */
export function defineStore<Options = Record<string, never>, Input = unknown>(
  definition: StoreDefinitionInput<Options, Input>,
): StoreDefinition<Options, Input> {
  return Object.freeze({ ...definition, [STORE_BRAND]: true as const });
}

export function isStoreDefinition(value: unknown): value is StoreDefinition {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STORE_BRAND] === true
  );
}

/**
 * A store as the rest of Dispatch sees it: the driver's methods behind core's lifecycle guard, each
 * (but `insert`) rejected with a `TimeoutError` at `OUTBOX_STORE.TIMEOUT`. A `call` given to one of
 * them cancels it too when its signal aborts (e.g. the HTTP request it serves went away).
 */
export interface OutboxStore extends Omit<StoreDriver, 'connect' | 'migrate' | 'subscribe'> {
  readonly type: string;
  /** What the definition declares for these options. */
  readonly capabilities: ResolvedStoreCapabilities;
  /** Create or update the schema; a no-op for stores without one. */
  migrate(): Promise<MigrateResult>;
  /** Wake-ups from the store; resolves to a no-op unsubscribe when the store has no channel. */
  subscribe(listener: () => void): Promise<() => Promise<void>>;
}
