/**
 * The worker's sleep between empty claims, which a wake-up cuts short. A wake-up that comes while
 * the worker is not sleeping is kept, so the next sleep returns at once: an event committed while
 * a batch was being recorded is claimed without waiting for the poll.
 */
export class IdleSleep {
  #pending = false;
  #wakeSleeper: (() => void) | undefined;

  /** Sleep `ms`, or not at all when a wake-up is pending or `skip` is true. */
  sleep(ms: number, skip = false): Promise<void> {
    if (this.#pending || skip) {
      this.#pending = false;
      return Promise.resolve();
    }
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

  /** End the current sleep, or the next one if none is running. */
  wake(): void {
    const sleeper = this.#wakeSleeper;
    if (sleeper) {
      this.#wakeSleeper = undefined;
      sleeper();
    } else {
      this.#pending = true;
    }
  }

  /** Forget a pending wake-up (a claim is starting: it sees what the wake-up was for). */
  clear(): void {
    this.#pending = false;
  }
}
