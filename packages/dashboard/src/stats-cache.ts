import type { OutboxStore, StoreStats } from '@dispatch/core';

/**
 * Counts by status take a full count on SQL stores, so views never wait for one when they need
 * not: every view within `ttlMs` shares one answer, an older answer is served while a fresh count
 * runs in the background, and concurrent views share the one query in flight.
 */
export class StatsCache {
  readonly #store: OutboxStore;
  readonly #ttlMs: number;
  #last: { at: number; stats: StoreStats } | undefined;
  #running: Promise<StoreStats> | undefined;

  constructor(store: OutboxStore, ttlMs: number) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  #refresh(): Promise<StoreStats> {
    this.#running ??= this.#store.stats().then(
      (stats) => {
        this.#last = { at: Date.now(), stats };
        this.#running = undefined;
        return stats;
      },
      (error: unknown) => {
        this.#running = undefined;
        throw error;
      },
    );
    return this.#running;
  }

  /**
   * Counts no older than `ttlMs` when they come within `waitMs`; else the last counts there are
   * (a fresh count goes on in the background), or undefined when there never were any yet.
   */
  async get(waitMs: number): Promise<StoreStats | undefined> {
    const last = this.#last;
    if (last && Date.now() - last.at < this.#ttlMs) return last.stats;
    const running = this.#refresh();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    try {
      return (await Promise.race([running, late])) ?? last?.stats;
    } catch (error) {
      if (last) return last.stats;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Start a count now, so the first view finds one done or under way; a failure waits for a view. */
  warm(): void {
    this.#refresh().catch(() => undefined);
  }

  /** The last counts, however old, without starting a count. */
  peek(): StoreStats | undefined {
    return this.#last?.stats;
  }

  /** After an action: the next view counts again. */
  clear(): void {
    if (this.#last) this.#last = { ...this.#last, at: 0 };
  }
}
