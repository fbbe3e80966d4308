/**
 * A worker's shutdown request: when it came, and the waits inside the loop that it cuts short
 * (each removed once settled, so none pile up).
 */
export class Shutdown {
  #requestedAt: number | undefined;
  readonly #waiters = new Set<() => void>();

  get requested(): boolean {
    return this.#requestedAt !== undefined;
  }

  /** The first request's time (ms since epoch); later ones change nothing. */
  request(): void {
    this.#requestedAt ??= Date.now();
    for (const waiter of this.#waiters) waiter();
  }

  /** `SHUTDOWN_TIMEOUT` counted from the request (ms since epoch), or undefined while running. */
  deadline(shutdownMs: number): number | undefined {
    return this.#requestedAt === undefined ? undefined : this.#requestedAt + shutdownMs;
  }

  /** Resolve when one of `promises` settles or shutdown is requested, whichever comes first. */
  async untilSettledOrRequested(promises: Iterable<Promise<unknown>>): Promise<void> {
    if (this.requested) return;
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    this.#waiters.add(stopped);
    try {
      await Promise.race([...promises, stop]);
    } finally {
      this.#waiters.delete(stopped);
    }
  }

  /**
   * Wait for `inFlight`; once shutdown is requested, no longer than `shutdownMs` after the request.
   * Resolves whether they all finished in time.
   */
  async drain(inFlight: ReadonlySet<Promise<unknown>>, shutdownMs: number): Promise<boolean> {
    if (inFlight.size === 0) return true;
    const deadline = this.deadline(shutdownMs);
    if (deadline === undefined) {
      await Promise.all(inFlight);
      return true;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const result = await Promise.race([Promise.all(inFlight).then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    return result === 'done';
  }
}
