import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Backend,
  childLogger,
  InvalidArgumentError,
  type Logger,
  type OutboxEvent,
  type OutcomeRecord,
  type PublishOutcome,
} from '@dispatch/core';
import type { Tracer } from '@opentelemetry/api';
import { afterRecord, warnOvertaken } from './after-record.js';
import { BackendGate } from './backend-gate.js';
import { type BackoffSettings, retryDelay, STORE_BACKOFF } from './backoff.js';
import { ClaimAhead } from './claim-ahead.js';
import { DueAlarm } from './due-alarm.js';
import { HeldKeys } from './held-keys.js';
import { IdleSleep } from './idle-sleep.js';
import { type Final, inSequence, KEY_HELD, planBatch, publishInKeyOrder, settleRuns } from './key-runs.js';
import { LeaseKeeper } from './lease-keeper.js';
import { WorkerMetrics } from './metrics.js';
import { decideOutcome, exhaustedBeforePublish, retryBackoff } from './outcome-policy.js';
import { OutcomeWriter } from './outcome-writer.js';
import { Shutdown } from './shutdown.js';
import { defaultTracer, withPublishSpan } from './tracing.js';
import { WorkerChores } from './worker-chores.js';
import { resolveWorkerSettings, type WorkerSettings } from './worker-settings.js';
import {
  type BatchReport,
  emptyReport,
  type WorkerDispatch,
  type WorkerOptions,
  type WorkerState,
} from './worker-types.js';

export type { BatchReport, WorkerDispatch, WorkerOptions, WorkerState } from './worker-types.js';

/** A claimed batch and the keeper of its leases, which runs from claim to record. */
interface Batch {
  events: OutboxEvent[];
  leases: LeaseKeeper | null;
  claim: number; // its number, from `HeldKeys.claimMade`
}

/**
 * The outbox worker: claims due events from the store, publishes them grouped by publisher, records
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
  readonly #settings: WorkerSettings;
  /** OUTBOX_WORKER's retry delays, read once: every publish result is decided with them. */
  readonly #backoff: BackoffSettings;
  #state: WorkerState = 'idle';
  #running: Promise<void> | undefined;
  /** `stop()` was called: outcome writes retry no longer than SHUTDOWN_TIMEOUT past it. */
  readonly #shutdown = new Shutdown();
  #abandoned = false;
  readonly #idle = new IdleSleep();
  readonly #due = new DueAlarm(() => this.#idle.wake());
  readonly #recorded: Parameters<typeof afterRecord>[3];
  #storeErrors = 0;
  readonly #chores: WorkerChores;
  readonly #writer: OutcomeWriter;
  readonly #leases = new Set<LeaseKeeper>();
  readonly #heldKeys = new HeldKeys();
  #lastCycleAt: number | null = null;

  constructor(dispatch: WorkerDispatch, options: WorkerOptions = {}) {
    this.#dispatch = dispatch;
    const settings = resolveWorkerSettings(dispatch.config, options);
    this.#settings = settings;
    this.#backoff = retryBackoff(dispatch.config.OUTBOX_WORKER);
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#logger = options.logger ?? childLogger(dispatch.logger, 'worker');
    this.#tracer = options.tracer ?? defaultTracer();
    this.#random = options.random ?? Math.random;
    this.metrics = new WorkerMetrics(options.meter);
    this.#recorded = { hooks: dispatch.hooks, metrics: this.metrics, logger: this.#logger, due: this.#due };
    for (const [name, backend] of dispatch.backends) {
      const onRecovered = () => {
        this.metrics.backendUp(name, true);
        this.wake();
      };
      const { probeBaseMs, probeMaxMs } = options;
      const gate = new BackendGate(backend, {
        logger: this.#logger,
        onRecovered,
        probeBaseMs,
        probeMaxMs,
        random: this.#random,
      });
      this.#gates.set(name, gate);
      this.metrics.backendUp(name, true);
    }
    this.#chores = new WorkerChores({
      dispatch,
      logger: this.#logger,
      metrics: this.metrics,
      configured: [...this.#gates.keys()],
      wake: () => this.wake(),
    });
    this.#writer = new OutcomeWriter({
      store: dispatch.store,
      owner: this.owner,
      logger: this.#logger,
      leaseMs: settings.leaseMs,
      stopDeadline: () => this.#shutdown.deadline(settings.shutdownMs),
      abandoned: () => this.#abandoned,
      random: this.#random,
    });
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
    this.#idle.wake();
  }

  /** One claim-publish-record cycle, for tests and scripts. */
  async runOnce(): Promise<BatchReport> {
    const batch = await this.#claim();
    if (batch.events.length === 0) return emptyReport();
    return this.#process(batch);
  }

  /** Run until `stop()` or `maxIterations`. The caller owns (and closes) the store and backends. */
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
   * publishes in flight finish for up to `SHUTDOWN_TIMEOUT` (then their leases expire), resolve.
   */
  async stop(): Promise<void> {
    this.#shutdown.request();
    if (this.#state === 'running') this.#state = 'stopping';
    this.#chores.halt();
    this.wake();
    if (this.#running !== undefined) await this.#running;
    else this.#state = 'stopped';
  }

  async #run(): Promise<void> {
    this.#chores.start(this.#settings);
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
      await this.#chores.stop();
      for (const gate of this.#gates.values()) gate.close();
      this.#state = 'stopped';
      this.#logger.info({ owner: this.owner, ...this.#chores.progress.summary() }, 'worker stopped');
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
    const more = () => !this.#shutdown.requested && (maxIterations === 0 || cycles < maxIterations);
    const waitFor = (promises: Set<Promise<unknown>>) => this.#shutdown.untilSettledOrRequested(promises);

    while (more()) {
      const { batch: claiming, finishedBefore, keyed: aheadOfKeyed } = next ?? claim();
      const batch = await claiming;
      next = undefined;
      if (aheadOfKeyed) ahead.found(batch.events.length);
      cycles += 1;
      if (this.#shutdown.requested) {
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
      void task.then((report) => {
        inFlight.delete(task);
        finished += 1;
        this.#chores.progress.recorded(report);
      });
      void publish.then(() => publishing.delete(publish));
      // A full batch means a backlog, and a batch with keys may have left the rest of a key's run
      // due behind its leases: claim the next one while this one publishes, or, when claims made
      // ahead of keyed batches have been finding nothing, as soon as this one is recorded.
      const keyed = events.some((event) => event.key !== null);
      const again = keyed ? ahead.afterKeyed() : events.length >= batchSize;
      if (again && more()) next = claim(keyed);
      // At most CONCURRENCY batches publishing, and as many more being recorded.
      while (
        (publishing.size >= concurrency || inFlight.size >= 2 * concurrency) &&
        !this.#shutdown.requested
      ) {
        await waitFor(publishing.size >= concurrency ? publishing : inFlight);
      }
      if (!again && keyed) await waitFor(inFlight);
      // Nothing more was due at claim time: sleep, unless an event was committed meanwhile (then
      // claim it at once, while this batch is still being recorded).
      else if (!again && more()) await this.#sleep();
    }
    if (next) await this.#give(await next.batch, 'shutdown');
    await this.#drain(inFlight);
    this.#due.stop();
  }

  /** Wait for batches in flight; when stopping, no longer than `SHUTDOWN_TIMEOUT` after `stop()`. */
  async #drain(inFlight: Set<Promise<BatchReport>>): Promise<void> {
    if (await this.#shutdown.drain(inFlight, this.#settings.shutdownMs)) return;
    this.#abandoned = true;
    // Stop renewing so the leases lapse and another worker can take the events.
    for (const lease of this.#leases) lease.stop();
    this.#logger.warn(
      { batches: inFlight.size, shutdownTimeoutSeconds: this.#settings.shutdownMs / 1000 },
      'publishes still in flight at the shutdown timeout; leaving them: their leases expire and another worker retries them',
    );
  }

  #sleep(): Promise<void> {
    // While the store is failing, back off instead of hammering it (even at SLEEP_TIME 0).
    const { sleepMs } = this.#settings;
    const ms =
      this.#storeErrors > 0
        ? Math.max(sleepMs, retryDelay(this.#storeErrors, STORE_BACKOFF, this.#random))
        : sleepMs;
    return this.#idle.sleep(ms, this.#shutdown.requested);
  }

  /** Lease a batch of due events for the backends that are up. Never rejects. */
  async #claim(): Promise<Batch> {
    this.#idle.clear();
    this.#lastCycleAt = Date.now();
    const backends = [...this.#gates.values()].filter((gate) => gate.up).map((gate) => gate.name);
    const claim = this.#heldKeys.claimMade();
    if (backends.length === 0) return { events: [], leases: null, claim };
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
      if (events.length === 0) return { events, leases: null, claim };
      const ids = events.map((event) => event.id);
      const leases = new LeaseKeeper(
        this.#dispatch.store,
        this.owner,
        this.#settings.leaseMs,
        ids,
        this.#logger,
      );
      this.#leases.add(leases);
      return { events, leases, claim };
    } catch (error) {
      this.#storeErrors += 1;
      const fields = { err: (error as Error).message, failures: this.#storeErrors };
      if (this.#storeErrors === 1)
        this.#logger.error(fields, 'cannot claim events from the outbox store; backing off');
      else this.#logger.debug(fields, 'outbox store still failing');
      return { events: [], leases: null, claim };
    }
  }

  /** Give a batch back untouched (no attempt used). */
  async #give({ events, leases }: Batch, reason: string): Promise<void> {
    if (leases) this.#stopLeases(leases);
    if (events.length === 0) return;
    const outcomes = events.map((event): OutcomeRecord => ({ id: event.id, status: 'released', reason }));
    const result = await this.#writer.write(outcomes);
    if (result) for (const event of events) this.metrics.released(event.publisher, reason);
  }

  /** Publish one claimed batch and record its outcomes. Never rejects. */
  async #process(batch: Batch, published: () => void = () => {}): Promise<BatchReport> {
    // A key's run must go out in sequence order.
    const events = inSequence(batch.events);
    const leases = batch.leases as LeaseKeeper;
    const started = performance.now();
    const report = emptyReport();
    // Keys this batch holds in `#heldKeys` until it is recorded.
    let held = new Set<string>();
    report.claimed = events.length;
    this.metrics.batchSize(events.length);
    try {
      if (this.#shutdown.requested) {
        await this.#give(batch, 'shutdown');
        report.released = events.length;
        return report;
      }
      this.#heldKeys.forget(batch.claim);
      const { groups, finals } = planBatch(events, (event) => this.#check(event, batch.claim));
      const results = await Promise.all(
        [...groups].map(async ([name, group]) => {
          const outcomes = await this.#publish(name, group);
          return group.map((event, index) => ({ event, outcome: outcomes[index] }));
        }),
      );
      const settled = settleRuns(results.flat(), (event, outcome) => this.#decide(event, outcome));
      finals.push(...settled.finals);
      warnOvertaken(this.#logger, settled.overtaken);
      held = this.#heldKeys.holdUnpublished(finals);
      published();

      if (this.#abandoned) return report;
      const toRecord = finals.filter((final) => !leases.lost.has(final.event.id));
      report.lost = finals.length - toRecord.length;
      const result = await this.#writer.write(toRecord.map((final) => final.outcome));
      if (!result) return report;
      report.lost += result.lost.length;
      afterRecord(toRecord, new Set(result.applied), report, this.#recorded);
      return report;
    } catch (error) {
      // Only a bug gets here; the leases expire and another cycle retries the events.
      this.#logger.error({ err: error }, `unexpected error processing a batch: ${(error as Error).message}`);
      return report;
    } finally {
      published();
      this.#heldKeys.release(held);
      this.#stopLeases(leases);
      this.#logger.debug(
        { ...report, ms: Math.round(performance.now() - started) },
        `batch: ${report.claimed} claimed, ${report.published} published, ${report.retried} retried, ${report.failed} failed, ${report.released} released`,
      );
    }
  }

  /** Settle an event that cannot be published now; undefined when it can. */
  #check(event: OutboxEvent, claim: number): Final | undefined {
    const exhausted = exhaustedBeforePublish(event);
    if (exhausted) return exhausted;
    if (event.key !== null && this.#heldKeys.has(event.key, claim)) {
      return { event, outcome: { id: event.id, status: 'released', reason: KEY_HELD } };
    }
    const gate = this.#gates.get(event.publisher);
    if (!gate) {
      this.#chores.warnUnconfigured(event.publisher, event.id);
      const reason = `publisher "${event.publisher}" is not configured in this worker`;
      return {
        event,
        outcome: { id: event.id, status: 'released', delayMs: this.#settings.holdDelayMs, reason },
      };
    }
    if (!gate.up)
      return { event, outcome: { id: event.id, status: 'released', reason: 'backend unavailable' } };
    return undefined;
  }

  async #publish(name: string, group: OutboxEvent[]): Promise<(PublishOutcome | undefined)[]> {
    const backend = this.#dispatch.backends.get(name) as Backend;
    const started = performance.now();
    try {
      return await withPublishSpan(this.#tracer, name, group, () =>
        publishInKeyOrder(group, backend.capabilities, (events) => backend.publish(events)),
      );
    } catch (error) {
      // `publish` rejects only once the backend is closed (shutdown): give the events back.
      const err = error as Error;
      return group.map((event) => ({ id: event.id, ok: false, failure: 'unavailable', error: err }));
    } finally {
      this.metrics.publishDuration(name, (performance.now() - started) / 1000);
    }
  }

  /** The outcome to record for one publish result; an `unavailable` one pauses its backend. */
  #decide(event: OutboxEvent, outcome: PublishOutcome | undefined): Final {
    const { final, unavailable } = decideOutcome(event, outcome, this.#backoff, this.#random);
    if (unavailable) {
      this.#gates
        .get(event.publisher)
        ?.markDown(outcome && !outcome.ok ? outcome.error.message : 'unavailable');
      this.metrics.backendUp(event.publisher, false);
    }
    return final;
  }

  #stopLeases(leases: LeaseKeeper): void {
    leases.stop();
    this.#leases.delete(leases);
  }
}

/** Create a worker for a dispatch instance. */
export function createWorker(dispatch: WorkerDispatch, options: WorkerOptions = {}): Worker {
  return new Worker(dispatch, options);
}
