import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Backend,
  childLogger,
  type Hooks,
  InvalidArgumentError,
  type Logger,
  type OutboxEvent,
  type OutboxStore,
  type OutcomeRecord,
  type PublishOutcome,
  type RecordResult,
  type ResolvedConfig,
} from '@dispatch/core';
import type { Meter, Tracer } from '@opentelemetry/api';
import { BackendGate } from './backend-gate.js';
import { retryDelay } from './backoff.js';
import { ClaimAhead } from './claim-ahead.js';
import { type Final, inSequence, KEY_HELD, planBatch, settleRuns } from './key-runs.js';
import { LeaseKeeper } from './lease-keeper.js';
import { WorkerMetrics } from './metrics.js';
import { runCleanup } from './retention.js';
import { defaultTracer, withPublishSpan } from './tracing.js';

/** What the worker needs from `createDispatch(...)`: pass the dispatch instance itself. */
export interface WorkerDispatch {
  readonly config: ResolvedConfig;
  readonly store: OutboxStore;
  readonly backends: ReadonlyMap<string, Backend>;
  readonly hooks: Hooks;
  readonly logger: Logger;
}

export interface WorkerOptions {
  /** Overrides `OUTBOX_WORKER.BATCH_SIZE`. */
  batchSize?: number | undefined;
  /** Overrides `OUTBOX_WORKER.SLEEP_TIME`, in seconds. */
  sleepTime?: number | undefined;
  /** Overrides `OUTBOX_WORKER.CONCURRENCY`. */
  concurrency?: number | undefined;
  /** Stop after this many claim cycles (empty ones count); 0 runs until `stop()`. @default 0 */
  maxIterations?: number | undefined;
  /** Wake early on new events (store notifications, commits in this process). @default true */
  wakeUps?: boolean | undefined;
  /** Run `OUTBOX_RETENTION` cleanup every `CLEANUP_INTERVAL`. @default true */
  cleanup?: boolean | undefined;
  /** Seconds between store stats polls (backlog metrics, unconfigured-backend warnings); 0 disables. @default 30 */
  statsInterval?: number | undefined;
  /** Delay before an event of an unconfigured backend is offered again, in ms. @default 60000 */
  holdDelayMs?: number | undefined;
  /** First and longest delay between health probes of an unavailable backend, in ms. @default 1000 / 30000 */
  probeBaseMs?: number | undefined;
  probeMaxMs?: number | undefined;
  /** Lease token; unique per worker. @default `<host>:<pid>:<random>` */
  owner?: string | undefined;
  /** Jitter source (tests pass a constant). @default Math.random */
  random?: (() => number) | undefined;
  /** @default the dispatch logger's `worker` child */
  logger?: Logger | undefined;
  /** @default `metrics.getMeter('@dispatch/worker')` */
  meter?: Meter | undefined;
  /** @default `trace.getTracer('@dispatch/worker')` */
  tracer?: Tracer | undefined;
}

/** What one claim-publish-record cycle did. */
export interface BatchReport {
  claimed: number;
  published: number;
  retried: number;
  failed: number;
  released: number;
  /** Leases lost to another worker; nothing was recorded for these. */
  lost: number;
}

export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** A claimed batch and the keeper of its leases, which runs from claim to record. */
interface Batch {
  events: OutboxEvent[];
  leases: LeaseKeeper | null;
}

/** How often a worker tries again to subscribe to store notifications after a failure. */
const SUBSCRIBE_RETRY_MS = 10_000;

const emptyReport = (): BatchReport => ({
  claimed: 0,
  published: 0,
  retried: 0,
  failed: 0,
  released: 0,
  lost: 0,
});

/**
 * The outbox worker: claims due events from the store, publishes them grouped by backend, records
 * every outcome in one write per batch, and repeats at once while there is a backlog. Any number of
 * workers, in one process or many, share the load through the store's leases alone.
 */
export class Worker {
  readonly owner: string;
  readonly metrics: WorkerMetrics;
  readonly #dispatch: WorkerDispatch;
  readonly #logger: Logger;
  readonly #tracer: Tracer;
  readonly #random: () => number;
  readonly #gates = new Map<string, BackendGate>();
  readonly #settings: {
    batchSize: number;
    sleepMs: number;
    concurrency: number;
    maxIterations: number;
    leaseMs: number;
    shutdownMs: number;
    wakeUps: boolean;
    cleanup: boolean;
    statsMs: number;
    holdDelayMs: number;
  };
  #state: WorkerState = 'idle';
  #running: Promise<void> | undefined;
  #stopRequested = false;
  /** When `stop()` was first called (ms since epoch): outcome writes retry no longer than SHUTDOWN_TIMEOUT past it. */
  #stopRequestedAt = 0;
  /** Waits inside the loop that `stop()` cuts short (each removed once settled, so none pile up). */
  readonly #stopWaiters = new Set<() => void>();
  #abandoned = false;
  #wakePending = false;
  #wakeSleeper: (() => void) | undefined;
  #storeErrors = 0;
  #cleanupAbort = new AbortController();
  #cleaning: Promise<void> | undefined;
  readonly #warnedBackends = new Set<string>();
  readonly #leases = new Set<LeaseKeeper>();
  /**
   * Keys with an event that a batch still being recorded did not publish: the continuation of the
   * key claimed meanwhile (`continueRuns`) is given back, so nothing overtakes that event.
   */
  readonly #heldKeys = new Map<string, number>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #lastCycleAt: number | null = null;

  constructor(dispatch: WorkerDispatch, options: WorkerOptions = {}) {
    this.#dispatch = dispatch;
    const worker = dispatch.config.OUTBOX_WORKER;
    const settings = {
      batchSize: options.batchSize ?? worker.BATCH_SIZE,
      sleepMs: (options.sleepTime ?? worker.SLEEP_TIME) * 1000,
      concurrency: options.concurrency ?? worker.CONCURRENCY,
      maxIterations: options.maxIterations ?? 0,
      leaseMs: Math.round(worker.LEASE_TIME * 1000),
      shutdownMs: worker.SHUTDOWN_TIMEOUT * 1000,
      wakeUps: options.wakeUps ?? true,
      cleanup: options.cleanup ?? true,
      statsMs: (options.statsInterval ?? 30) * 1000,
      holdDelayMs: options.holdDelayMs ?? 60_000,
    };
    checkWhole('batchSize', settings.batchSize, 1);
    checkWhole('concurrency', settings.concurrency, 1);
    checkWhole('maxIterations', settings.maxIterations, 0);
    if (!Number.isFinite(settings.sleepMs) || settings.sleepMs < 0) {
      throw new InvalidArgumentError(
        `sleepTime must be a number of seconds >= 0, got ${String(options.sleepTime)}`,
      );
    }
    this.#settings = settings;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#logger = options.logger ?? childLogger(dispatch.logger, 'worker');
    this.#tracer = options.tracer ?? defaultTracer();
    this.#random = options.random ?? Math.random;
    this.metrics = new WorkerMetrics(options.meter);
    for (const [name, backend] of dispatch.backends) {
      this.#gates.set(
        name,
        new BackendGate(backend, {
          logger: this.#logger,
          onRecovered: () => {
            this.metrics.backendUp(name, true);
            this.wake();
          },
          probeBaseMs: options.probeBaseMs,
          probeMaxMs: options.probeMaxMs,
          random: this.#random,
        }),
      );
      this.metrics.backendUp(name, true);
    }
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Each configured backend: up, or paused since when (ms since epoch). */
  backendStatus(): Record<string, { up: boolean; downSince: number | null }> {
    return Object.fromEntries(
      [...this.#gates].map(([name, gate]) => [name, { up: gate.up, downSince: gate.downSince }]),
    );
  }

  /** When the loop last started a claim (ms since epoch), for liveness checks. */
  get lastCycleAt(): number | null {
    return this.#lastCycleAt;
  }

  /** Cut the current idle sleep short (new events are waiting). */
  wake(): void {
    const sleeper = this.#wakeSleeper;
    if (sleeper) {
      this.#wakeSleeper = undefined;
      sleeper();
    } else {
      this.#wakePending = true;
    }
  }

  /** One claim-publish-record cycle, for tests and scripts. */
  async runOnce(): Promise<BatchReport> {
    const batch = await this.#claim();
    if (batch.events.length === 0) return emptyReport();
    return this.#process(batch);
  }

  /**
   * Run until `stop()` or `maxIterations`. Does not close the store or backends: the caller owns
   * the dispatch instance (the `dispatch worker` command closes it after the worker stops).
   */
  run(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    if (this.#state === 'stopped') {
      return Promise.reject(new InvalidArgumentError('this worker has stopped; create a new one'));
    }
    this.#state = 'running';
    this.#running = this.#run();
    return this.#running;
  }

  /**
   * Stop gracefully: claim nothing more, give back what was claimed but not yet published, let
   * publishes in flight finish for up to `SHUTDOWN_TIMEOUT` (after which their leases simply
   * expire and another worker retries them), then resolve.
   */
  async stop(): Promise<void> {
    if (!this.#stopRequested) this.#stopRequestedAt = Date.now();
    this.#stopRequested = true;
    for (const waiter of this.#stopWaiters) waiter();
    if (this.#state === 'running') this.#state = 'stopping';
    this.#cleanupAbort.abort();
    this.wake();
    if (this.#running !== undefined) await this.#running;
    else this.#state = 'stopped';
  }

  async #run(): Promise<void> {
    const { store, hooks } = this.#dispatch;
    const unsubscribers: (() => Promise<void> | void)[] = [];
    if (this.#settings.wakeUps) {
      unsubscribers.push(hooks.on('created', () => this.wake()));
      // Subscribing fails while the store is down at start; keep trying until it works, polling
      // every SLEEP_TIME meanwhile. Warn once, not on every try.
      let subscribed = false;
      let warned = false;
      this.#every(SUBSCRIBE_RETRY_MS, async () => {
        if (subscribed) return;
        try {
          const unsubscribe = await store.subscribe(() => this.wake());
          subscribed = true;
          // Stopped while subscribing: the loop's clean-up has run already.
          if (this.#state === 'stopped') await unsubscribe();
          else unsubscribers.push(unsubscribe);
          if (warned) this.#logger.info({}, 'subscribed to store notifications');
        } catch (error) {
          if (!warned) {
            warned = true;
            this.#logger.warn(
              { err: (error as Error).message },
              'cannot subscribe to store notifications yet; polling every SLEEP_TIME and trying again',
            );
          }
        }
      });
    }
    if (this.#settings.cleanup)
      this.#every(this.#dispatch.config.OUTBOX_RETENTION.CLEANUP_INTERVAL * 1000, () => this.#cleanup());
    if (this.#settings.statsMs > 0) this.#every(this.#settings.statsMs, () => this.#pollStats());
    this.#logger.info(
      {
        owner: this.owner,
        batchSize: this.#settings.batchSize,
        concurrency: this.#settings.concurrency,
        backends: [...this.#gates.keys()],
      },
      'worker started',
    );
    try {
      await this.#loop();
    } finally {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#cleanupAbort.abort();
      await this.#cleaning;
      for (const gate of this.#gates.values()) gate.close();
      await Promise.allSettled(unsubscribers.map(async (unsubscribe) => unsubscribe()));
      this.#state = 'stopped';
      this.#logger.info({ owner: this.owner }, 'worker stopped');
    }
  }

  async #loop(): Promise<void> {
    const { batchSize, concurrency, maxIterations } = this.#settings;
    // Batches from claim to recorded, and the subset still publishing. A batch's record write
    // overlaps the next batch's publish, and the next claim overlaps both.
    const inFlight = new Set<Promise<BatchReport>>();
    const publishing = new Set<Promise<void>>();
    // Batches finished so far: a claim made while one was in flight may have found its keys
    // leased, so it is empty for a reason that may have gone by the time it returns.
    let finished = 0;
    const ahead = new ClaimAhead();
    /** `keyed`: claimed ahead of a batch with keyed events, which `ahead` learns from. */
    const claim = (keyed = false) => ({ batch: this.#claim(), finishedBefore: finished, keyed });
    let next: ReturnType<typeof claim> | undefined;
    let cycles = 0;
    const more = () => !this.#stopRequested && (maxIterations === 0 || cycles < maxIterations);
    const waitFor = (promises: Set<Promise<unknown>>) => this.#untilSettledOrStopped(promises);

    while (more()) {
      const { batch: claiming, finishedBefore, keyed: aheadOfKeyed } = next ?? claim();
      const batch = await claiming;
      next = undefined;
      if (aheadOfKeyed) ahead.found(batch.events.length);
      cycles += 1;
      if (this.#stopRequested) {
        await this.#give(batch, 'shutdown');
        break;
      }
      const { events } = batch;
      if (events.length === 0) {
        // A batch finishing may unblock keys or free a paused backend's turn; else wait for work.
        if (inFlight.size > 0) await waitFor(inFlight);
        else if (finished === finishedBefore && more()) await this.#sleep();
        continue;
      }
      let published!: () => void;
      const publish = new Promise<void>((resolve) => {
        published = resolve;
      });
      const task = this.#process(batch, published);
      inFlight.add(task);
      publishing.add(publish);
      void task.then(() => {
        inFlight.delete(task);
        finished += 1;
      });
      void publish.then(() => publishing.delete(publish));
      // A full batch means a backlog, and a batch with keys may have left the rest of a key's run
      // due behind its leases: claim the next one while this one publishes, or, when claims made
      // ahead of keyed batches have been finding nothing, as soon as this one is recorded.
      const keyed = events.some((event) => event.key !== null);
      const again = keyed ? ahead.afterKeyed() : events.length >= batchSize;
      if (again && more()) next = claim(keyed);
      // At most CONCURRENCY batches publishing, and as many more being recorded.
      while ((publishing.size >= concurrency || inFlight.size >= 2 * concurrency) && !this.#stopRequested) {
        await waitFor(publishing.size >= concurrency ? publishing : inFlight);
      }
      if (!again && keyed) await waitFor(inFlight);
      // Nothing more was due at claim time: sleep, unless an event was committed meanwhile (then
      // claim it at once, while this batch is still being recorded).
      else if (!again && more()) await this.#sleep();
    }
    if (next) await this.#give(await next.batch, 'shutdown');
    await this.#drain(inFlight);
  }

  /** Resolve when one of `promises` settles or `stop()` is called, whichever comes first. */
  async #untilSettledOrStopped(promises: Iterable<Promise<unknown>>): Promise<void> {
    if (this.#stopRequested) return;
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    this.#stopWaiters.add(stopped);
    try {
      await Promise.race([...promises, stop]);
    } finally {
      this.#stopWaiters.delete(stopped);
    }
  }

  /** Wait for batches in flight; when stopping, no longer than `SHUTDOWN_TIMEOUT` after `stop()`. */
  async #drain(inFlight: Set<Promise<BatchReport>>): Promise<void> {
    if (inFlight.size === 0) return;
    if (!this.#stopRequested) {
      await Promise.all(inFlight);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      // SHUTDOWN_TIMEOUT counts from stop(), whatever the shutdown did before (giving back a batch).
      const left = this.#stopRequestedAt + this.#settings.shutdownMs - Date.now();
      timer = setTimeout(() => resolve('timeout'), Math.max(0, left));
    });
    const result = await Promise.race([Promise.all(inFlight).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.#abandoned = true;
      // Stop renewing so the leases lapse and another worker can take the events.
      for (const lease of this.#leases) lease.stop();
      this.#logger.warn(
        { batches: inFlight.size, shutdownTimeoutSeconds: this.#settings.shutdownMs / 1000 },
        'publishes still in flight at the shutdown timeout; leaving them: their leases expire and another worker retries them',
      );
    }
  }

  #sleep(): Promise<void> {
    if (this.#wakePending || this.#stopRequested) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    // While the store is failing, back off instead of hammering it (even at SLEEP_TIME 0).
    const ms =
      this.#storeErrors > 0
        ? Math.max(
            this.#settings.sleepMs,
            retryDelay(this.#storeErrors, { backoff: true, baseMs: 500, maxMs: 30_000 }, this.#random),
          )
        : this.#settings.sleepMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeSleeper = undefined;
        resolve();
      }, ms);
      this.#wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Lease a batch of due events for the backends that are up. Never rejects. */
  async #claim(): Promise<Batch> {
    this.#wakePending = false;
    this.#lastCycleAt = Date.now();
    const backends = [...this.#gates.values()].filter((gate) => gate.up).map((gate) => gate.name);
    if (backends.length === 0) return { events: [], leases: null };
    try {
      const events = await this.#dispatch.store.claim({
        owner: this.owner,
        limit: this.#settings.batchSize,
        leaseMs: this.#settings.leaseMs,
        backends,
        // One batch publishes at a time, so a batch can go on with the runs of the one before it.
        continueRuns: this.#settings.concurrency === 1,
      });
      if (this.#storeErrors > 0) {
        this.#logger.info({ failures: this.#storeErrors }, 'outbox store is reachable again');
        this.#storeErrors = 0;
      }
      if (events.length === 0) return { events, leases: null };
      const ids = events.map((event) => event.id);
      const leases = new LeaseKeeper(
        this.#dispatch.store,
        this.owner,
        this.#settings.leaseMs,
        ids,
        this.#logger,
      );
      this.#leases.add(leases);
      return { events, leases };
    } catch (error) {
      this.#storeErrors += 1;
      const fields = { err: (error as Error).message, failures: this.#storeErrors };
      if (this.#storeErrors === 1)
        this.#logger.error(fields, 'cannot claim events from the outbox store; backing off');
      else this.#logger.debug(fields, 'outbox store still failing');
      return { events: [], leases: null };
    }
  }

  /** Give a batch back untouched (no attempt used). */
  async #give({ events, leases }: Batch, reason: string): Promise<void> {
    if (leases) this.#stopLeases(leases);
    if (events.length === 0) return;
    const outcomes = events.map((event): OutcomeRecord => ({ id: event.id, status: 'released', reason }));
    const result = await this.#record(outcomes);
    if (result) for (const event of events) this.metrics.released(event.backend, reason);
  }

  /** Publish one claimed batch and record its outcomes. Never rejects. */
  async #process(batch: Batch, published: () => void = () => {}): Promise<BatchReport> {
    // A key's run must go out in sequence order.
    const events = inSequence(batch.events);
    const leases = batch.leases as LeaseKeeper;
    const started = performance.now();
    const report = emptyReport();
    // Keys this batch holds in `#heldKeys` until it is recorded.
    const held = new Set<string>();
    report.claimed = events.length;
    this.metrics.batchSize(events.length);
    try {
      if (this.#stopRequested) {
        await this.#give(batch, 'shutdown');
        report.released = events.length;
        return report;
      }
      const { groups, finals } = planBatch(events, (event) => this.#check(event));
      const results = await Promise.all(
        [...groups].map(async ([name, group]) => {
          const outcomes = await this.#publish(name, group);
          return group.map((event, index) => ({ event, outcome: outcomes[index] }));
        }),
      );
      const settled = settleRuns(results.flat(), (event, outcome) => this.#decide(event, outcome));
      finals.push(...settled.finals);
      const [first] = settled.overtaken;
      if (first) {
        this.#logger.warn(
          { ...first, events: settled.overtaken.length },
          `backend "${first.backend}" did not stop key "${first.key}" at its first failure: it wrote event ${first.publishedId} after event ${first.failedId} failed; recorded as published, ahead of the earlier event`,
        );
      }
      for (const { event, outcome } of finals) {
        if (event.key === null || outcome.status === 'published' || held.has(event.key)) continue;
        held.add(event.key);
        this.#heldKeys.set(event.key, (this.#heldKeys.get(event.key) ?? 0) + 1);
      }
      published();

      if (this.#abandoned) return report;
      const toRecord = finals.filter((final) => !leases.lost.has(final.event.id));
      report.lost = finals.length - toRecord.length;
      const result = await this.#record(toRecord.map((final) => final.outcome));
      if (!result) return report;
      report.lost += result.lost.length;
      this.#afterRecord(toRecord, new Set(result.applied), report);
      return report;
    } catch (error) {
      // Only a bug gets here; the leases expire and another cycle retries the events.
      this.#logger.error({ err: error }, `unexpected error processing a batch: ${(error as Error).message}`);
      return report;
    } finally {
      published();
      for (const key of held) {
        const count = (this.#heldKeys.get(key) ?? 1) - 1;
        if (count > 0) this.#heldKeys.set(key, count);
        else this.#heldKeys.delete(key);
      }
      this.#stopLeases(leases);
      this.#logger.debug(
        { ...report, ms: Math.round(performance.now() - started) },
        `batch: ${report.claimed} claimed, ${report.published} published, ${report.retried} retried, ${report.failed} failed, ${report.released} released`,
      );
    }
  }

  /** Settle an event that cannot be published now; undefined when it can. */
  #check(event: OutboxEvent): Final | undefined {
    if (event.attempts > event.maxRetries + 1) {
      // The previous holder crashed or stalled mid-publish and that attempt was the last one.
      const error = `out of attempts: attempt ${event.attempts - 1} of ${event.maxRetries + 1} never finished (lease expired)`;
      return { event, outcome: { id: event.id, status: 'failed', error }, reason: 'exhausted' };
    }
    if (event.key !== null && this.#heldKeys.has(event.key)) {
      return { event, outcome: { id: event.id, status: 'released', reason: KEY_HELD } };
    }
    const gate = this.#gates.get(event.backend);
    if (!gate) {
      this.#warnUnconfigured(event.backend, event.id);
      const reason = `backend "${event.backend}" is not configured in this worker`;
      return {
        event,
        outcome: { id: event.id, status: 'released', delayMs: this.#settings.holdDelayMs, reason },
      };
    }
    if (!gate.up)
      return { event, outcome: { id: event.id, status: 'released', reason: 'backend unavailable' } };
    return undefined;
  }

  async #publish(name: string, group: OutboxEvent[]): Promise<PublishOutcome[]> {
    const backend = this.#dispatch.backends.get(name) as Backend;
    const started = performance.now();
    try {
      return await withPublishSpan(this.#tracer, name, group, () => backend.publish(group));
    } catch (error) {
      // `publish` rejects only once the backend is closed (shutdown): give the events back.
      const err = error as Error;
      return group.map((event) => ({ id: event.id, ok: false, failure: 'unavailable', error: err }));
    } finally {
      this.metrics.publishDuration(name, (performance.now() - started) / 1000);
    }
  }

  /** The outcome to record for one publish result. */
  #decide(event: OutboxEvent, outcome: PublishOutcome | undefined): Final {
    if (outcome?.ok) return { event, outcome: { id: event.id, status: 'published' } };
    const error = outcome ? outcome.error.message : 'no outcome from the backend';
    const failure = outcome ? outcome.failure : 'retryable';
    if (failure === 'rejected') {
      return { event, outcome: { id: event.id, status: 'failed', error }, reason: 'rejected' };
    }
    if (failure === 'unavailable') {
      this.#gates.get(event.backend)?.markDown(error);
      this.metrics.backendUp(event.backend, false);
      return { event, outcome: { id: event.id, status: 'released', reason: 'backend unavailable' } };
    }
    if (event.attempts > event.maxRetries) {
      return { event, outcome: { id: event.id, status: 'failed', error }, reason: 'exhausted' };
    }
    const delayMs = retryDelay(event.attempts, this.#backoff(), this.#random);
    return { event, outcome: { id: event.id, status: 'retry', delayMs, error } };
  }

  #backoff() {
    const worker = this.#dispatch.config.OUTBOX_WORKER;
    return {
      backoff: worker.RETRY_BACKOFF,
      baseMs: worker.RETRY_BASE_DELAY * 1000,
      maxMs: worker.RETRY_MAX_DELAY * 1000,
    };
  }

  /**
   * Record outcomes in one write. A failed write is tried again with backoff (0.1 s doubling to
   * 2 s) for up to `LEASE_TIME` (when stopping, no longer than `SHUTDOWN_TIMEOUT` after `stop()`):
   * the events are still this worker's meanwhile, and giving up means another worker publishes them
   * again once their leases lapse. Null when it could not be written.
   */
  async #record(outcomes: OutcomeRecord[]): Promise<RecordResult | null> {
    if (outcomes.length === 0) return { applied: [], lost: [] };
    const giveUpAt = Date.now() + this.#settings.leaseMs;
    let lastError: unknown;
    for (let failures = 0; ; ) {
      try {
        const result = await this.#dispatch.store.record(this.owner, outcomes);
        if (failures > 0) {
          this.#logger.info({ events: outcomes.length, failures }, 'recorded the outcomes after retrying');
        }
        return result;
      } catch (error) {
        lastError = error;
        failures += 1;
        if ((error as { code?: string }).code === 'DISPATCH_CLOSED' || this.#abandoned) break;
        const delay = retryDelay(failures, { backoff: true, baseMs: 100, maxMs: 2000 }, this.#random);
        const limit = this.#stopRequested
          ? Math.min(giveUpAt, this.#stopRequestedAt + this.#settings.shutdownMs)
          : giveUpAt;
        if (Date.now() + delay > limit) break;
        if (failures === 1) {
          this.#logger.warn(
            { err: (error as Error)?.message, events: outcomes.length },
            'cannot record outcomes; retrying while the leases last',
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    this.#logger.error(
      {
        err: (lastError as Error)?.message,
        events: outcomes.length,
        eventIds: outcomes.slice(0, 10).map((o) => o.id),
      },
      'cannot record outcomes; the events stay leased until their lease expires, then are tried again',
    );
    return null;
  }

  #afterRecord(finals: Final[], applied: Set<string>, report: BatchReport): void {
    const { hooks } = this.#dispatch;
    const notifyPublished = hooks.has('published');
    const notifyFailed = hooks.has('failed');
    const now = new Date();
    // Published counts are summed per backend and type first: one metrics update per group, not per event.
    const published = new Map<string, { backend: string; eventType: string; count: number }>();
    for (const { event, outcome, reason } of finals) {
      if (!applied.has(event.id)) continue;
      switch (outcome.status) {
        case 'published': {
          report.published += 1;
          const group = `${event.backend}\u0000${event.eventType}`;
          const entry = published.get(group);
          if (entry) entry.count += 1;
          else published.set(group, { backend: event.backend, eventType: event.eventType, count: 1 });
          if (notifyPublished)
            void hooks.emit('published', {
              ...event,
              status: 'published',
              publishedAt: now,
              lockedUntil: null,
            });
          break;
        }
        case 'retry':
          report.retried += 1;
          this.metrics.retried(event.backend, event.eventType);
          this.#logger.warn(
            {
              eventId: event.id,
              eventType: event.eventType,
              backend: event.backend,
              attempt: event.attempts,
              err: outcome.error,
              retryInMs: outcome.delayMs,
            },
            `publish failed; retrying in ${(outcome.delayMs / 1000).toFixed(1)} s`,
          );
          break;
        case 'failed':
          report.failed += 1;
          this.metrics.failed(event.backend, event.eventType, reason ?? 'rejected');
          this.#logger.error(
            {
              eventId: event.id,
              eventType: event.eventType,
              backend: event.backend,
              attempts: event.attempts,
              err: outcome.error,
            },
            reason === 'exhausted' ? 'event failed: out of retries' : 'event failed: rejected by the backend',
          );
          if (notifyFailed) {
            void hooks.emit('failed', {
              ...event,
              status: 'failed',
              lastError: outcome.error,
              history: [...event.history, { at: now.toISOString(), error: outcome.error }],
              lockedUntil: null,
            });
          }
          break;
        case 'released':
          report.released += 1;
          this.metrics.released(event.backend, outcome.reason ?? 'released');
          break;
      }
    }
    for (const { backend, eventType, count } of published.values())
      this.metrics.published(backend, eventType, count);
  }

  #stopLeases(leases: LeaseKeeper): void {
    leases.stop();
    this.#leases.delete(leases);
  }

  #warnUnconfigured(backend: string, eventId?: string): void {
    if (this.#warnedBackends.has(backend)) return;
    this.#warnedBackends.add(backend);
    this.#logger.warn(
      { backend, eventId, configured: [...this.#gates.keys()] },
      `events name backend "${backend}", which is not configured in OUTBOX_PUBLISHERS here; holding them (not failed, not retried) for a worker that has it`,
    );
  }

  #every(ms: number, work: () => Promise<void>): void {
    const schedule = (delay: number) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (this.#stopRequested) return;
        // `work` never rejects; the next run is scheduled only after this one finished.
        void work().finally(() => {
          if (!this.#stopRequested) schedule(ms);
        });
      }, delay);
      timer.unref?.();
      this.#timers.add(timer);
    };
    schedule(0);
  }

  async #cleanup(): Promise<void> {
    const work = (async () => {
      try {
        const result = await runCleanup(this.#dispatch.store, this.#dispatch.config.OUTBOX_RETENTION, {
          signal: this.#cleanupAbort.signal,
        });
        if ((result.published ?? 0) + result.failed > 0) {
          this.#logger.info(
            { published: result.published, failed: result.failed },
            'retention cleanup deleted old events',
          );
        }
      } catch (error) {
        this.#logger.warn(
          { err: (error as Error).message },
          'retention cleanup failed; trying again next interval',
        );
      }
    })();
    this.#cleaning = work;
    await work;
  }

  async #pollStats(): Promise<void> {
    try {
      const stats = await this.#dispatch.store.stats();
      this.metrics.storeStats(stats);
      for (const [backend, counts] of Object.entries(stats.byBackend)) {
        if (!this.#gates.has(backend) && counts.pending + counts.retry > 0) this.#warnUnconfigured(backend);
      }
    } catch (error) {
      this.#logger.debug({ err: (error as Error).message }, 'stats poll failed');
    }
  }
}

function checkWhole(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, got ${String(value)}`);
  }
}

/** Create a worker for a dispatch instance. */
export function createWorker(dispatch: WorkerDispatch, options: WorkerOptions = {}): Worker {
  return new Worker(dispatch, options);
}
