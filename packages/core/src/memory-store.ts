import { z } from 'zod';
import { activityBuckets } from './activity-buckets.js';
import { DispatchError, InvalidArgumentError, TransactionRequiredError } from './errors.js';
import {
  type AttemptRecord,
  EVENT_STATUSES,
  type EventStatus,
  MAX_ATTEMPT_HISTORY,
  type NewEvent,
  type OutboxEvent,
} from './event.js';
import { withPublisherAlias } from './publisher-alias.js';
import {
  type ActivityReport,
  type ActivityRequest,
  type ClaimRequest,
  type CleanupRequest,
  defineStore,
  type EventFilter,
  type InsertContext,
  type ListPage,
  type ListRequest,
  type OutcomeRecord,
  type RecordResult,
  type StoreDriver,
  type StoreStats,
} from './store.js';

interface Row extends OutboxEvent {
  owner: string | null;
}

/** A transaction of a `MemoryDatabase`: writes become visible, and hooks run, only at commit. */
export class MemoryTransaction {
  readonly rows: NewEvent[] = [];
  readonly afterCommit: (() => void)[] = [];
  state: 'open' | 'committed' | 'rolled back' = 'open';
}

const FINAL: ReadonlySet<EventStatus> = new Set(['published', 'failed']);

/**
 * The in-memory "database" behind the memory store: one process, one copy. Tests and the
 * quickstart use it; it follows every rule of the store contract so the conformance suite and the
 * worker's tests can rely on it. `now` can be replaced for fake-clock tests.
 */
export class MemoryDatabase {
  readonly rows = new Map<string, Row>();
  readonly listeners = new Set<() => void>();
  now: () => number;
  #sequence = 0;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Run `work` in a transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(work: (tx: MemoryTransaction) => Promise<T>): Promise<T> {
    const tx = new MemoryTransaction();
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      tx.state = 'rolled back';
      throw error;
    }
    this.apply(tx.rows);
    tx.state = 'committed';
    for (const callback of tx.afterCommit) callback();
    return result;
  }

  /** Insert committed rows (skipping ids that exist) and wake subscribers. */
  apply(events: readonly NewEvent[]): void {
    const now = this.now();
    for (const event of events) {
      if (this.rows.has(event.id)) continue;
      const { scheduledAt, ...content } = event;
      this.rows.set(event.id, {
        // Rows written by hand (tests) may carry only one name of the publisher.
        ...withPublisherAlias(structuredClone(content)),
        status: 'pending',
        attempts: 0,
        availableAt: new Date(scheduledAt ? scheduledAt.getTime() : now),
        publishedAt: null,
        updatedAt: new Date(now),
        lastError: null,
        history: [],
        lockedUntil: null,
        sequence: ++this.#sequence,
        owner: null,
      });
    }
    for (const listener of this.listeners) listener();
  }

  /** Forget everything. */
  clear(): void {
    this.rows.clear();
  }
}

export interface MemoryStoreOptions {
  /** The database to use; a new empty one when absent. */
  database?: MemoryDatabase | undefined;
  /** Refuse to write outside a transaction. @default false */
  requireTransaction?: boolean | undefined;
}

function toEvent(row: Row): OutboxEvent {
  const { owner: _owner, ...event } = row;
  return structuredClone(event);
}

function matches(row: Row, filter: EventFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.status && !filter.status.includes(row.status)) return false;
  if (filter.eventType !== undefined && row.eventType !== filter.eventType) return false;
  if (filter.source !== undefined && row.source !== filter.source) return false;
  if (filter.key !== undefined && row.key !== filter.key) return false;
  const publisher = filter.publisher ?? filter.backend;
  if (publisher !== undefined && row.publisher !== publisher) return false;
  if (filter.since && row.createdAt < filter.since) return false;
  if (filter.until && row.createdAt >= filter.until) return false;
  if (filter.ids && !filter.ids.includes(row.id)) return false;
  if (filter.search) {
    const needle = filter.search.toLowerCase();
    const haystack = [row.id, row.eventType, row.source, row.subject ?? ''];
    if (!haystack.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}

function pushHistory(row: Row, at: number, error: string): void {
  const entry: AttemptRecord = { at: new Date(at).toISOString(), error };
  row.history = [...row.history, entry].slice(-MAX_ATTEMPT_HISTORY);
  row.lastError = error;
}

class MemoryStoreDriver implements StoreDriver {
  readonly #db: MemoryDatabase;
  readonly #requireTransaction: boolean;

  constructor(db: MemoryDatabase, requireTransaction: boolean) {
    this.#db = db;
    this.#requireTransaction = requireTransaction;
  }

  async insert(events: readonly NewEvent[], context: InsertContext): Promise<void> {
    const tx = context.transaction;
    if (tx === undefined || tx === null) {
      if (this.#requireTransaction) {
        throw new TransactionRequiredError(
          'This store requires a transaction: pass { transaction } from database.transaction(...). Nothing was written.',
        );
      }
      this.#db.apply(events);
      context.onCommit();
      return;
    }
    if (!(tx instanceof MemoryTransaction)) {
      throw new InvalidArgumentError(
        'The memory store expects a MemoryTransaction from MemoryDatabase.transaction()',
      );
    }
    if (tx.state !== 'open') {
      throw new DispatchError(
        'DISPATCH_INVALID_ARGUMENT',
        `The transaction is already ${tx.state}; nothing was written`,
      );
    }
    tx.rows.push(...structuredClone(events));
    tx.afterCommit.push(context.onCommit);
  }

  async claim(request: ClaimRequest): Promise<OutboxEvent[]> {
    const now = this.#db.now();
    const rows = [...this.#db.rows.values()].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    const isLeased = (row: Row) => row.status === 'processing' && (row.lockedUntil?.getTime() ?? 0) > now;
    // Leases of this owner that it may continue past (`continueRuns`).
    const ours = (row: Row) => request.continueRuns === true && isLeased(row) && row.owner === request.owner;
    // A key with any event under another live lease is held whole, even if an earlier event of it
    // came back (an operator requeued it): a key has at most one owner at a time.
    const blockedKeys = new Set<string>(
      rows.filter((row) => row.key !== null && isLeased(row) && !ours(row)).map((row) => row.key as string),
    );
    const claimed: Row[] = [];
    for (const row of rows) {
      if (claimed.length >= request.limit) break;
      if (FINAL.has(row.status) || ours(row)) continue;
      const due =
        ((row.status === 'pending' || row.status === 'retry') && row.availableAt.getTime() <= now) ||
        (row.status === 'processing' && !isLeased(row));
      const claimable = due && (!request.backends || request.backends.includes(row.publisher));
      if (row.key !== null && blockedKeys.has(row.key)) continue;
      if (!claimable) {
        // A key's run ends at its first event that cannot go now: nothing after it may overtake it.
        if (row.key !== null) blockedKeys.add(row.key);
        continue;
      }
      claimed.push(row);
    }
    for (const row of claimed) {
      row.status = 'processing';
      row.owner = request.owner;
      row.lockedUntil = new Date(now + request.leaseMs);
      row.attempts += 1;
      row.updatedAt = new Date(now);
    }
    return claimed.map(toEvent);
  }

  async renew(owner: string, ids: readonly string[], leaseMs: number): Promise<string[]> {
    const now = this.#db.now();
    const renewed: string[] = [];
    for (const id of ids) {
      const row = this.#db.rows.get(id);
      if (row?.status === 'processing' && row.owner === owner) {
        row.lockedUntil = new Date(now + leaseMs);
        renewed.push(id);
      }
    }
    return renewed;
  }

  async record(owner: string, outcomes: readonly OutcomeRecord[]): Promise<RecordResult> {
    const now = this.#db.now();
    const result: RecordResult = { applied: [], lost: [] };
    for (const outcome of outcomes) {
      const row = this.#db.rows.get(outcome.id);
      if (row?.status !== 'processing' || row.owner !== owner) {
        result.lost.push(outcome.id);
        continue;
      }
      row.owner = null;
      row.lockedUntil = null;
      row.updatedAt = new Date(now);
      switch (outcome.status) {
        case 'published':
          row.status = 'published';
          row.publishedAt = new Date(now);
          break;
        case 'retry':
          row.status = 'retry';
          row.availableAt = new Date(now + outcome.delayMs);
          pushHistory(row, now, outcome.error);
          break;
        case 'failed':
          row.status = 'failed';
          pushHistory(row, now, outcome.error);
          break;
        case 'released':
          row.attempts = Math.max(0, row.attempts - 1);
          row.status = row.attempts > 0 ? 'retry' : 'pending';
          row.availableAt = new Date(now + (outcome.delayMs ?? 0));
          break;
      }
      result.applied.push(outcome.id);
    }
    // No wake-up here: the worker that recorded these already knows, and others poll on.
    return result;
  }

  async cleanup(request: CleanupRequest): Promise<number> {
    const cutoff = this.#db.now() - request.olderThanMs;
    const victims = [...this.#db.rows.values()].filter((row) => {
      if (row.status !== request.status) return false;
      const at = request.status === 'published' ? (row.publishedAt ?? row.updatedAt) : row.updatedAt;
      return at.getTime() <= cutoff;
    });
    if (request.dryRun) return victims.length;
    const batch = victims.slice(0, request.limit);
    for (const row of batch) this.#db.rows.delete(row.id);
    return batch.length;
  }

  async list(request: ListRequest): Promise<ListPage> {
    const limit = request.limit ?? 50;
    const oldest = request.order === 'oldest';
    const after =
      request.after === undefined ? (oldest ? 0 : Number.POSITIVE_INFINITY) : Number(request.after);
    if (Number.isNaN(after))
      throw new InvalidArgumentError(`list cursor "${request.after}" is not one this store issued`);
    const beyond = (row: Row) => (oldest ? (row.sequence ?? 0) > after : (row.sequence ?? 0) < after);
    const rows = [...this.#db.rows.values()]
      .filter((row) => beyond(row) && matches(row, request.filter))
      .sort((a, b) => (oldest ? 1 : -1) * ((a.sequence ?? 0) - (b.sequence ?? 0)));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { events: page.map(toEvent), next: rows.length > limit && last ? String(last.sequence) : null };
  }

  async get(id: string): Promise<OutboxEvent | null> {
    const row = this.#db.rows.get(id);
    return row ? toEvent(row) : null;
  }

  async requeue(ids: readonly string[]): Promise<number> {
    const now = this.#db.now();
    let count = 0;
    for (const id of ids) {
      const row = this.#db.rows.get(id);
      if (row?.status !== 'failed') continue;
      row.status = 'pending';
      row.attempts = 0;
      row.availableAt = new Date(now);
      row.updatedAt = new Date(now);
      count += 1;
    }
    if (count > 0) for (const listener of this.#db.listeners) listener();
    return count;
  }

  async fail(ids: readonly string[], reason: string): Promise<number> {
    const now = this.#db.now();
    let count = 0;
    for (const id of ids) {
      const row = this.#db.rows.get(id);
      if (row?.status !== 'pending' && row?.status !== 'retry') continue;
      row.status = 'failed';
      row.updatedAt = new Date(now);
      pushHistory(row, now, reason);
      count += 1;
    }
    return count;
  }

  async stats(): Promise<StoreStats> {
    const now = this.#db.now();
    const empty = (): Record<EventStatus, number> =>
      Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<EventStatus, number>;
    const stats: StoreStats = { counts: empty(), oldestPendingAgeMs: null, inFlight: 0, byBackend: {} };
    for (const row of this.#db.rows.values()) {
      stats.counts[row.status] += 1;
      stats.byBackend[row.publisher] ??= empty();
      (stats.byBackend[row.publisher] as Record<EventStatus, number>)[row.status] += 1;
      if (row.status === 'processing' && (row.lockedUntil?.getTime() ?? 0) > now) stats.inFlight += 1;
      if ((row.status === 'pending' || row.status === 'retry') && row.availableAt.getTime() <= now) {
        const age = now - row.availableAt.getTime();
        stats.oldestPendingAgeMs = Math.max(stats.oldestPendingAgeMs ?? 0, age);
      }
    }
    return stats;
  }

  async activity(request: ActivityRequest): Promise<ActivityReport> {
    const counts = activityBuckets(request, this.#db.now());
    for (const row of this.#db.rows.values()) {
      const finished = FINAL.has(row.status)
        ? {
            status: row.status as 'published' | 'failed',
            at: ((row.status === 'published' ? row.publishedAt : null) ?? row.updatedAt).getTime(),
          }
        : undefined;
      counts.add(1, row.createdAt.getTime(), finished);
    }
    return counts.report();
  }

  async health() {
    return { ok: true, details: { events: this.#db.rows.size } };
  }

  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    this.#db.listeners.add(listener);
    return async () => {
      this.#db.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {}
}

const optionsSchema = z.strictObject({
  database: z.instanceof(MemoryDatabase, { error: 'expected a MemoryDatabase' }).optional(),
  requireTransaction: z.boolean({ error: 'expected true or false' }).optional(),
});

/**
 * An outbox store that keeps events in memory. For tests and local experiments: nothing survives
 * the process. Pass `{ database }` to share one `MemoryDatabase` between a publisher and a worker.
 */
export const memoryStore = defineStore<MemoryStoreOptions>({
  type: 'memory',
  options: optionsSchema,
  // Wake-ups reach the stores of this process that share the database (there is no other process).
  capabilities: { transactions: true, wakeups: true },
  create: (options) =>
    new MemoryStoreDriver(options.database ?? new MemoryDatabase(), options.requireTransaction ?? false),
});
