import type { Final } from './key-runs.js';

/**
 * Keys with an event that a batch still being recorded did not publish: the continuation of the
 * key claimed meanwhile (`continueRuns`) is given back, so nothing overtakes that event. Counted,
 * since batches overlap and each gives back only its own hold.
 */
export class HeldKeys {
  readonly #counts = new Map<string, number>();

  has(key: string): boolean {
    return this.#counts.has(key);
  }

  /** Hold every key of `finals` with an event that was not published; returns the keys held. */
  holdUnpublished(finals: readonly Final[]): Set<string> {
    const held = new Set<string>();
    for (const { event, outcome } of finals) {
      if (event.key === null || outcome.status === 'published' || held.has(event.key)) continue;
      held.add(event.key);
      this.#counts.set(event.key, (this.#counts.get(event.key) ?? 0) + 1);
    }
    return held;
  }

  /** Give back the holds `holdUnpublished` returned. */
  release(keys: Iterable<string>): void {
    for (const key of keys) {
      const count = (this.#counts.get(key) ?? 1) - 1;
      if (count > 0) this.#counts.set(key, count);
      else this.#counts.delete(key);
    }
  }
}
