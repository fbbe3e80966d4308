import type { Logger } from '@dispatch/core';
import { DrainProgress, PROGRESS_INTERVAL_MS } from './drain-progress.js';
import type { WorkerMetrics } from './metrics.js';
import { runCleanup } from './retention.js';
import type { WorkerDispatch } from './worker-types.js';

/** How often a worker tries again to subscribe to store notifications after a failure. */
const SUBSCRIBE_RETRY_MS = 10_000;

export interface WorkerChoresOptions {
  dispatch: WorkerDispatch;
  logger: Logger;
  metrics: WorkerMetrics;
  /** Backends this worker publishes to. */
  configured: readonly string[];
  /** New events may be due: cut the worker's idle sleep short. */
  wake: () => void;
}

/**
 * What a running worker does besides its loop, each on a timer of its own that never overlaps
 * itself: subscribing to store notifications (tried again until it works), retention cleanup,
 * the store stats poll (backlog metrics, warnings about unconfigured backends), and the progress
 * line.
 */
export class WorkerChores {
  readonly #options: WorkerChoresOptions;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #unsubscribers: (() => Promise<void> | void)[] = [];
  readonly #warnedPublishers = new Set<string>();
  readonly #cleanupAbort = new AbortController();
  #cleaning: Promise<void> | undefined;
  #stopped = false;

  /** The progress lines: fed by the loop's batches and the stats poll, logged on a timer here. */
  readonly progress: DrainProgress;

  constructor(options: WorkerChoresOptions) {
    this.#options = options;
    this.progress = new DrainProgress(options.logger);
  }

  start(settings: { wakeUps: boolean; cleanup: boolean; statsMs: number }): void {
    const { dispatch, wake } = this.#options;
    if (settings.wakeUps) {
      this.#unsubscribers.push(dispatch.hooks.on('created', () => wake()));
      this.#every(SUBSCRIBE_RETRY_MS, this.#subscriber());
    }
    if (settings.cleanup) {
      this.#every(dispatch.config.OUTBOX_RETENTION.CLEANUP_INTERVAL * 1000, () => this.#cleanup());
    }
    if (settings.statsMs > 0) this.#every(settings.statsMs, () => this.#pollStats());
    this.#every(PROGRESS_INTERVAL_MS, async () => this.progress.tick(), PROGRESS_INTERVAL_MS);
  }

  /** Start no chore again and stop a cleanup in progress at its next chunk (as soon as the worker stops). */
  halt(): void {
    this.#stopped = true;
    this.#cleanupAbort.abort();
  }

  /** Halt, clear the timers, wait for a cleanup in progress and unsubscribe. */
  async stop(): Promise<void> {
    this.halt();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#cleanupAbort.abort();
    await this.#cleaning;
    await Promise.allSettled(this.#unsubscribers.map(async (unsubscribe) => unsubscribe()));
  }

  /** Warn once per publisher that events name a publisher this worker does not publish to. */
  warnUnconfigured(publisher: string, eventId?: string): void {
    if (this.#warnedPublishers.has(publisher)) return;
    this.#warnedPublishers.add(publisher);
    this.#options.logger.warn(
      // The log field keeps its name, `backend`; it holds the publisher.
      { backend: publisher, eventId, configured: this.#options.configured },
      `events name publisher "${publisher}", which is not configured in OUTBOX_PUBLISHERS here; holding them (not failed, not retried) for a worker that has it`,
    );
  }

  /**
   * Subscribing fails while the store is down at start; keep trying until it works, polling every
   * SLEEP_TIME meanwhile. Warn once, not on every try.
   */
  #subscriber(): () => Promise<void> {
    const { dispatch, logger, wake } = this.#options;
    let subscribed = false;
    let warned = false;
    return async () => {
      if (subscribed) return;
      try {
        const unsubscribe = await dispatch.store.subscribe(() => wake());
        subscribed = true;
        // Halted while subscribing: `stop()` unsubscribes the others, or has already.
        if (this.#stopped) await unsubscribe();
        else this.#unsubscribers.push(unsubscribe);
        if (warned) logger.info({}, 'subscribed to store notifications');
      } catch (error) {
        if (!warned) {
          warned = true;
          logger.warn(
            { err: (error as Error).message },
            'cannot subscribe to store notifications yet; polling every SLEEP_TIME and trying again',
          );
        }
      }
    };
  }

  #every(ms: number, work: () => Promise<void>, firstDelay = 0): void {
    const schedule = (delay: number) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (this.#stopped) return;
        // `work` never rejects; the next run is scheduled only after this one finished.
        void work().finally(() => {
          if (!this.#stopped) schedule(ms);
        });
      }, delay);
      timer.unref?.();
      this.#timers.add(timer);
    };
    schedule(firstDelay);
  }

  async #cleanup(): Promise<void> {
    const { dispatch, logger } = this.#options;
    const work = (async () => {
      try {
        const result = await runCleanup(dispatch.store, dispatch.config.OUTBOX_RETENTION, {
          signal: this.#cleanupAbort.signal,
        });
        if ((result.published ?? 0) + result.failed > 0) {
          logger.info(
            { published: result.published, failed: result.failed },
            'retention cleanup deleted old events',
          );
        }
      } catch (error) {
        logger.warn(
          { err: (error as Error).message },
          'retention cleanup failed; trying again next interval',
        );
      }
    })();
    this.#cleaning = work;
    await work;
  }

  async #pollStats(): Promise<void> {
    const { dispatch, metrics, logger, configured } = this.#options;
    try {
      const stats = await dispatch.store.stats();
      metrics.storeStats(stats);
      this.progress.counted(stats);
      for (const [publisher, counts] of Object.entries(stats.byBackend)) {
        if (!configured.includes(publisher) && counts.pending + counts.retry > 0)
          this.warnUnconfigured(publisher);
      }
    } catch (error) {
      logger.debug({ err: (error as Error).message }, 'stats poll failed');
    }
  }
}
