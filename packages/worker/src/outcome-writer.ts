import type { Logger, OutboxStore, OutcomeRecord, RecordResult } from '@dispatch/core';
import { retryDelay } from './backoff.js';

export interface OutcomeWriterOptions {
  store: Pick<OutboxStore, 'record'>;
  owner: string;
  logger: Logger;
  /** How long a failed write is tried again: the events are this worker's for a lease. */
  leaseMs: number;
  /** The latest time to keep trying while stopping (ms since epoch), or undefined while running. */
  stopDeadline: () => number | undefined;
  /** The worker gave up its batches at the shutdown timeout: stop trying at once. */
  abandoned: () => boolean;
  random: () => number;
}

/**
 * Writes a batch's outcomes in one store call. A failed write is tried again with backoff (0.1 s
 * doubling to 2 s) for up to `LEASE_TIME` (when stopping, no longer than `SHUTDOWN_TIMEOUT` after
 * `stop()`): the events are still this worker's meanwhile, and giving up means another worker
 * publishes them again once their leases lapse.
 */
export class OutcomeWriter {
  readonly #options: OutcomeWriterOptions;

  constructor(options: OutcomeWriterOptions) {
    this.#options = options;
  }

  /** What the store applied, or null when it could not be written. */
  async write(outcomes: OutcomeRecord[]): Promise<RecordResult | null> {
    if (outcomes.length === 0) return { applied: [], lost: [] };
    const { store, owner, logger, leaseMs, random } = this.#options;
    const giveUpAt = Date.now() + leaseMs;
    let lastError: unknown;
    for (let failures = 0; ; ) {
      try {
        const result = await store.record(owner, outcomes);
        if (failures > 0) {
          logger.info({ events: outcomes.length, failures }, 'recorded the outcomes after retrying');
        }
        return result;
      } catch (error) {
        lastError = error;
        failures += 1;
        if ((error as { code?: string }).code === 'DISPATCH_CLOSED' || this.#options.abandoned()) break;
        const delay = retryDelay(failures, { backoff: true, baseMs: 100, maxMs: 2000 }, random);
        const stopDeadline = this.#options.stopDeadline();
        const limit = stopDeadline === undefined ? giveUpAt : Math.min(giveUpAt, stopDeadline);
        if (Date.now() + delay > limit) break;
        if (failures === 1) {
          logger.warn(
            { err: (error as Error)?.message, events: outcomes.length },
            'cannot record outcomes; retrying while the leases last',
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    logger.error(
      {
        err: (lastError as Error)?.message,
        events: outcomes.length,
        eventIds: outcomes.slice(0, 10).map((o) => o.id),
      },
      'cannot record outcomes; the events stay leased until their lease expires, then are tried again',
    );
    return null;
  }
}
