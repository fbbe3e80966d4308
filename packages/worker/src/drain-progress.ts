import type { Logger, StoreStats } from '@dispatch/core';
import { formatDuration } from './format.js';
import type { BatchReport } from './worker-types.js';

/** How often a worker that is publishing says how it is going. */
export const PROGRESS_INTERVAL_MS = 10_000;

interface Totals {
  published: number;
  retried: number;
  failed: number;
}

const zero = (): Totals => ({ published: 0, retried: 0, failed: 0 });

/**
 * The worker's progress lines: every `PROGRESS_INTERVAL_MS` in which it finished events, one info
 * line with the rate, the backlog left and when it should be empty; one line when it has caught
 * up; and the totals when the worker stops. Quiet while there is nothing to do.
 *
 * The backlog comes from the last stats poll (a count is too dear to take every 10 s on a big
 * table), less what this worker finished since: an estimate that ignores new events and other
 * workers until the next poll corrects it.
 */
export class DrainProgress {
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #started: number;
  #total = zero();
  #interval = zero();
  #intervalStart: number;
  #backlog: { count: number; finishedSince: number } | undefined;
  #draining = false;

  constructor(logger: Logger, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
    this.#started = now();
    this.#intervalStart = this.#started;
  }

  recorded(report: BatchReport): void {
    for (const totals of [this.#total, this.#interval]) {
      totals.published += report.published;
      totals.retried += report.retried;
      totals.failed += report.failed;
    }
    if (this.#backlog) this.#backlog.finishedSince += report.published + report.failed;
  }

  /** A fresh count from the stats poll. */
  counted(stats: StoreStats): void {
    this.#backlog = {
      count: stats.counts.pending + stats.counts.retry + stats.counts.processing,
      finishedSince: 0,
    };
  }

  /** Called every `PROGRESS_INTERVAL_MS`. */
  tick(): void {
    const now = this.#now();
    const seconds = Math.max(0.001, (now - this.#intervalStart) / 1000);
    const { published, retried, failed } = this.#interval;
    this.#interval = zero();
    this.#intervalStart = now;
    const finished = published + failed;
    const backlog = this.#backlog
      ? Math.max(0, this.#backlog.count - this.#backlog.finishedSince)
      : undefined;
    if (finished + retried === 0) {
      // The first quiet interval after busy ones: caught up (what is left, if the last count says
      // so, is held by other workers or not due yet).
      if (this.#draining) {
        this.#draining = false;
        this.#logger.info(
          { published: this.#total.published, failed: this.#total.failed, backlog },
          'caught up: nothing to publish in the last 10 s',
        );
      }
      return;
    }
    this.#draining = true;
    const perSecond = finished / seconds;
    const fields: Record<string, unknown> = {
      published,
      retried,
      failed,
      perSecond: Math.round(perSecond * 10) / 10,
    };
    let text = `publishing ${fields.perSecond} events/s`;
    if (backlog !== undefined) {
      fields.backlog = backlog;
      text += `, about ${backlog} waiting`;
      if (perSecond > 0) {
        const etaMs = (backlog / perSecond) * 1000;
        fields.etaSeconds = Math.round(etaMs / 1000);
        text += backlog > 0 ? `, empty in about ${formatDuration(etaMs)}` : '';
      }
    }
    this.#logger.info(fields, text);
  }

  /** The totals of the worker's life, for its last log line. */
  summary(): Totals & { seconds: number } {
    return { ...this.#total, seconds: Math.round((this.#now() - this.#started) / 100) / 10 };
  }
}
