import { type Logger, withTimeout } from '@dispatch/core';

/** Longest one NOTIFY may take: one stuck on a dead connection must not hold back the next ones. */
const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * Shortest time between two NOTIFYs. Commits that land sooner share the next one, sent when the
 * interval is up: a steady stream of small transactions sends at most one NOTIFY per interval
 * instead of one per commit, for a wake-up that comes at most this much later. Kept well under
 * the commit-to-stream latency that wake-ups are for (p99 <= 10 ms).
 */
export const NOTIFY_INTERVAL_MS = 3;

/**
 * The PostgreSQL NOTIFY for events written in a caller's transaction, sent on the store's own
 * connection once that transaction has committed, instead of inside it: the business transaction
 * no longer carries the notification, and commits that land while one NOTIFY is on its way or
 * within the interval after it share the next one (a wake-up says "look", not what to look at).
 * One is in flight at a time; a failed or timed-out one is logged and dropped, since the worker's
 * poll picks the events up anyway.
 */
export class CommitNotifier {
  readonly #send: () => Promise<unknown>;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #running = false;
  #again = false;
  #stopped = false;
  #lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(send: () => Promise<unknown>, logger: Logger, intervalMs = NOTIFY_INTERVAL_MS) {
    this.#send = send;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /** A transaction with events committed: notify the listeners soon. */
  committed(): void {
    if (this.#stopped) return;
    this.#again = true;
    if (this.#running) return;
    this.#running = true;
    // Started after the committing caller's own continuation, so its transaction returns first.
    setImmediate(() => void this.#loop());
  }

  async #loop(): Promise<void> {
    for (;;) {
      // Again after each pause: a timer may fire a fraction of a millisecond early.
      for (let wait = this.#untilNext(); wait > 0 && !this.#stopped; wait = this.#untilNext())
        await sleep(wait);
      // Checked and cleared with no await in between, so a commit from here on starts a new loop.
      if (!this.#again || this.#stopped) {
        this.#running = false;
        return;
      }
      this.#again = false;
      this.#lastSentAt = performance.now();
      try {
        await withTimeout(this.#send(), NOTIFY_TIMEOUT_MS, 'the wake-up NOTIFY');
      } catch (error) {
        this.#logger.debug(
          { err: (error as Error).message },
          'could not send the wake-up NOTIFY; workers find the events at their next poll',
        );
      }
    }
  }

  #untilNext(): number {
    return this.#lastSentAt + this.#intervalMs - performance.now();
  }

  /**
   * Send nothing more. A NOTIFY on its way is not waited for: closing must not hang on a
   * connection that died under it, and a lost wake-up costs at most one poll interval.
   */
  stop(): void {
    this.#stopped = true;
  }
}

/** A pause that does not keep the process alive: a wake-up still owed is not worth waiting for. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
