import type { Logger } from '@dispatch/core';

/**
 * The PostgreSQL NOTIFY for events written in a caller's transaction, sent on the store's own
 * connection once that transaction has committed, instead of inside it: the business transaction
 * no longer carries the notification, and commits that land while one NOTIFY is on its way share
 * the next one (a wake-up says "look", not what to look at). One is in flight at a time; a failed
 * one is logged and dropped, since the worker's poll picks the events up anyway.
 */
export class CommitNotifier {
  readonly #send: () => Promise<unknown>;
  readonly #logger: Logger;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(send: () => Promise<unknown>, logger: Logger) {
    this.#send = send;
    this.#logger = logger;
  }

  /** A transaction with events committed: notify the listeners soon. */
  committed(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#send();
      } catch (error) {
        this.#logger.debug(
          { err: (error as Error).message },
          'could not send the wake-up NOTIFY; workers find the events at their next poll',
        );
      }
    } while (this.#again);
  }

  /** Wait for the NOTIFY on its way, if any (before the connection closes). */
  async idle(): Promise<void> {
    await this.#running;
  }
}
