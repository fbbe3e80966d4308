import {
  BackendUnavailableError,
  type CloudEvent,
  EventRejectedError,
  type FailureKind,
  fieldsToObject,
  type OutboxEvent,
  PublishFailedError,
  type PublishOutcome,
  type TimestampFormat,
  type WireFieldOptions,
  wireFields,
} from '@dispatch/core';

/** One published message, in the same field format as the Redis stream backend's entries. */
export interface MemoryEntry {
  /** Position in its stream, shaped like a Redis stream id (`<ms>-<seq>`), increasing. */
  id: string;
  stream: string;
  /**
   * The message fields, all strings: `event_id`, `event_type`, `source`, `timestamp` (ISO 8601),
   * `cloud_event` (JSON of the CloudEvents envelope), the event's extra `fields`, then `key` and
   * `traceparent` / `tracestate` when present. Same names and order as the Redis stream backend.
   */
  fields: Record<string, string>;
}

export type EntryListener = (entry: MemoryEntry) => void;

export interface FailNextOptions {
  /** How the publishes fail. @default 'retryable' */
  failure?: FailureKind | undefined;
  /** Only events this matches count towards (and are failed by) the rule. @default every event */
  match?: ((event: OutboxEvent) => boolean) | undefined;
  /** Error message of the injected failure. */
  message?: string | undefined;
}

interface FailRule {
  remaining: number;
  failure: FailureKind;
  match: ((event: OutboxEvent) => boolean) | undefined;
  message: string;
}

interface RejectRule {
  match: (event: OutboxEvent) => boolean;
  reason: string;
}

export interface WaitForOptions {
  /** Give up (rejecting with an error) after this long. @default 5000 */
  timeoutMs?: number | undefined;
  /** Only look at this stream's entries. @default every stream */
  stream?: string | undefined;
}

const BROKER_BRAND: unique symbol = Symbol.for('dispatch.memory-broker');

/** The message fields of an event, exactly as the Redis stream backend writes them (core's wire format). */
export function toEntryFields(event: OutboxEvent, options: WireFieldOptions = {}): Record<string, string> {
  return fieldsToObject(wireFields(event, options));
}

/**
 * Where memory backends put what they publish: streams of entries kept in this process. Share one
 * broker between the backend (its `broker` option) and a test to inspect, await and clear what was
 * published, and to make publishes fail on purpose.
 */
export class MemoryBroker {
  readonly [BROKER_BRAND] = true;
  readonly #streams = new Map<string, MemoryEntry[]>();
  readonly #listeners = new Set<EntryListener>();
  #failRules: FailRule[] = [];
  #rejectRules: RejectRule[] = [];
  #unavailable: string | null = null;
  #holds = new Set<Promise<void>>();
  #waiting = 0;
  #lastMs = 0;
  #seq = 0;
  #publishCalls = 0;

  /** Publish calls made (one per batch), successful or not. */
  get publishCalls(): number {
    return this.#publishCalls;
  }

  /** Names of the streams that have entries. */
  streams(): string[] {
    return [...this.#streams.keys()];
  }

  /** Entries of one stream in publish order, or of every stream when `stream` is absent. */
  entries(stream?: string): MemoryEntry[] {
    if (stream !== undefined) return [...(this.#streams.get(stream) ?? [])];
    return [...this.#streams.values()].flat().sort((a, b) => compareIds(a.id, b.id));
  }

  /** Number of entries in one stream, or in all. */
  count(stream?: string): number {
    if (stream !== undefined) return this.#streams.get(stream)?.length ?? 0;
    let total = 0;
    for (const entries of this.#streams.values()) total += entries.length;
    return total;
  }

  /** The parsed `cloud_event` of each entry. */
  cloudEvents(stream?: string): CloudEvent[] {
    return this.entries(stream).map((entry) => JSON.parse(entry.fields.cloud_event ?? 'null') as CloudEvent);
  }

  /** Event ids published more than once (with idempotent append off), with how many times. */
  duplicates(stream?: string): Map<string, number> {
    const seen = new Map<string, number>();
    for (const entry of this.entries(stream)) {
      const id = entry.fields.event_id ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    return new Map([...seen].filter(([, count]) => count > 1));
  }

  /** Call `listener` for each entry appended from now on (errors it throws are ignored); returns a function that stops it. */
  subscribe(listener: EntryListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Resolve with the entries once `predicate(entries)` holds (checked now and after every append),
   * or reject after `timeoutMs` saying what was there.
   */
  waitFor(
    predicate: (entries: MemoryEntry[]) => boolean,
    options: WaitForOptions | number = {},
  ): Promise<MemoryEntry[]> {
    const { timeoutMs = 5000, stream } = typeof options === 'number' ? { timeoutMs: options } : options;
    const check = (): MemoryEntry[] | undefined => {
      const entries = this.entries(stream);
      return predicate(entries) ? entries : undefined;
    };
    let now: MemoryEntry[] | undefined;
    try {
      now = check();
    } catch (error) {
      return Promise.reject(error);
    }
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const stop = this.subscribe(() => {
        let entries: MemoryEntry[] | undefined;
        try {
          entries = check();
        } catch (error) {
          clearTimeout(timer);
          stop();
          reject(error);
          return;
        }
        if (!entries) return;
        clearTimeout(timer);
        stop();
        resolve(entries);
      });
      const timer = setTimeout(() => {
        stop();
        const where = stream === undefined ? 'the broker' : `stream "${stream}"`;
        reject(
          new Error(`waitFor timed out after ${timeoutMs} ms with ${this.count(stream)} entries in ${where}`),
        );
      }, timeoutMs);
    });
  }

  /** Resolve once at least `count` entries are there. */
  waitForCount(count: number, options: WaitForOptions | number = {}): Promise<MemoryEntry[]> {
    return this.waitFor((entries) => entries.length >= count, options);
  }

  /** Forget the entries of one stream, or of all. Failure rules stay; see `reset`. */
  clear(stream?: string): void {
    if (stream === undefined) this.#streams.clear();
    else this.#streams.delete(stream);
  }

  /** Forget entries and every failure rule (holds stay until released). */
  reset(): void {
    this.clear();
    this.#failRules = [];
    this.#rejectRules = [];
    this.#unavailable = null;
  }

  /**
   * Make the broker unreachable (every publish fails as `unavailable`, health is not ok) until
   * called with `false`.
   */
  setUnavailable(unavailable: boolean | string = true): void {
    this.#unavailable =
      unavailable === false
        ? null
        : typeof unavailable === 'string'
          ? unavailable
          : 'memory broker is unavailable';
  }

  get unavailable(): boolean {
    return this.#unavailable !== null;
  }

  /** Reject (for good) every event `match` accepts, until `reset`. */
  rejectWhen(match: (event: OutboxEvent) => boolean, reason = 'rejected by the memory broker'): void {
    this.#rejectRules.push({ match, reason });
  }

  /** Fail the next `count` event publishes (each event counts once), then behave again. */
  failNext(count: number, options: FailNextOptions = {}): void {
    this.#failRules.push({
      remaining: count,
      failure: options.failure ?? 'retryable',
      match: options.match,
      message: options.message ?? `injected ${options.failure ?? 'retryable'} failure`,
    });
  }

  /**
   * Hold every publish (in flight, not yet appended) until the returned function is called. For
   * tests of leases and shutdown with a publish in flight.
   */
  hold(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#holds.add(gate);
    return () => {
      this.#holds.delete(gate);
      release();
    };
  }

  /** Publishes waiting on a `hold`. */
  get held(): number {
    return this.#waiting;
  }

  /** Append `events` to `stream`, applying the failure rules. Used by the memory backend. */
  async publish(
    stream: string,
    events: readonly OutboxEvent[],
    options: { idempotent?: boolean | undefined; timestampFormat?: TimestampFormat | undefined } = {},
  ): Promise<PublishOutcome[]> {
    this.#publishCalls += 1;
    if (this.#holds.size > 0) {
      this.#waiting += 1;
      try {
        while (this.#holds.size > 0) await Promise.all([...this.#holds]);
      } finally {
        this.#waiting -= 1;
      }
    }
    if (this.#unavailable !== null) throw new BackendUnavailableError(this.#unavailable);
    const entries = this.#streams.get(stream) ?? [];
    this.#streams.set(stream, entries);
    const outcomes: PublishOutcome[] = [];
    const appended: MemoryEntry[] = [];
    for (const event of events) {
      const rejection = this.#rejectRules.find((rule) => rule.match(event));
      if (rejection) {
        outcomes.push({
          id: event.id,
          ok: false,
          failure: 'rejected',
          error: new EventRejectedError(rejection.reason),
        });
        continue;
      }
      const rule = this.#failRules.find(
        (candidate) => candidate.remaining > 0 && (candidate.match?.(event) ?? true),
      );
      if (rule) {
        rule.remaining -= 1;
        this.#failRules = this.#failRules.filter((candidate) => candidate.remaining > 0);
        outcomes.push({ id: event.id, ok: false, failure: rule.failure, error: injectedError(rule) });
        continue;
      }
      if (options.idempotent) {
        const existing = entries.find((entry) => entry.fields.event_id === event.id);
        if (existing) {
          outcomes.push({ id: event.id, ok: true, ref: existing.id });
          continue;
        }
      }
      const entry: MemoryEntry = { id: this.#nextId(), stream, fields: toEntryFields(event, options) };
      entries.push(entry);
      appended.push(entry);
      outcomes.push({ id: event.id, ok: true, ref: entry.id });
    }
    for (const entry of appended) {
      for (const listener of [...this.#listeners]) {
        try {
          listener(entry);
        } catch {
          // A failing test listener must not turn appended entries into failed publishes.
        }
      }
    }
    return outcomes;
  }

  /** What the backend's health check reports. */
  health(): { ok: boolean; error?: string; details: Record<string, unknown> } {
    const details = { streams: this.#streams.size, entries: this.count() };
    return this.#unavailable === null
      ? { ok: true, details }
      : { ok: false, error: this.#unavailable, details };
  }

  #nextId(): string {
    const ms = Date.now();
    if (ms > this.#lastMs) {
      this.#lastMs = ms;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return `${this.#lastMs}-${this.#seq}`;
  }
}

function injectedError(rule: FailRule): Error {
  if (rule.failure === 'unavailable') return new BackendUnavailableError(rule.message);
  if (rule.failure === 'rejected') return new EventRejectedError(rule.message);
  return new PublishFailedError(rule.message);
}

function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

export function isMemoryBroker(value: unknown): value is MemoryBroker {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BROKER_BRAND] === true
  );
}

const SHARED_KEY = Symbol.for('dispatch.memory-broker.shared');

/**
 * The broker memory backends use when given none: one per process, shared even between the ESM and
 * CJS copies of this package, so an application can inspect what a config-file backend published.
 */
export function sharedBroker(): MemoryBroker {
  const holder = globalThis as unknown as Record<symbol, MemoryBroker | undefined>;
  let broker = holder[SHARED_KEY];
  if (!broker) {
    broker = new MemoryBroker();
    holder[SHARED_KEY] = broker;
  }
  return broker;
}
