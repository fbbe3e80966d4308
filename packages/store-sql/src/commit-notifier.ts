import { type Logger, withTimeout } from '@dispatch/core';

/** Longest one NOTIFY may take: one stuck on a dead connection must not hold back the next ones. */
const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * The PostgreSQL NOTIFY for events written in a caller's transaction, sent on the store's own
 * connection once that transaction has committed, instead of inside it: the business transaction
 * no longer carries the notification, and commits that land while one NOTIFY is on its way share
 * the next one (a wake-up says "look", not what to look at). One is in flight at a time; a failed
 * or timed-out one is logged and dropped, since the worker's poll picks the events up anyway.
 */
export class CommitNotifier {
  readonly #send: () => Promise<unknown>;
  readonly #logger: Logger;
  #running = false;
  #again = false;
  #stopped = false;

  constructor(send: () => Promise<unknown>, logger: Logger) {
    this.#send = send;
    this.#logger = logger;
  }

  /** A transaction with events committed: notify the listeners soon. */
  committed(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#loop().finally(() => {
      this.#running = false;
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await withTimeout(this.#send(), NOTIFY_TIMEOUT_MS, 'the wake-up NOTIFY');
      } catch (error) {
        this.#logger.debug(
          { err: (error as Error).message },
          'could not send the wake-up NOTIFY; workers find the events at their next poll',
        );
      }
    } while (this.#again && !this.#stopped);
  }

  /**
   * Send nothing more. A NOTIFY on its way is not waited for: closing must not hang on a
   * connection that died under it, and a lost wake-up costs at most one poll interval.
   */
  stop(): void {
    this.#stopped = true;
  }
}
