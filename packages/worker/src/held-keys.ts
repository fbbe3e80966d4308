import type { Final } from './key-runs.js';

/**
 * Keys with an event that a batch still being recorded did not publish: the continuation of the
 * key claimed meanwhile (`continueRuns`) is given back, so nothing overtakes that event. Counted,
 * since batches overlap and each gives back only its own hold.
 *
 * A claim made while a hold was on may come back after the hold ended, with rows chosen in a
 * snapshot taken before the record: so claims are numbered, and a key stays held for every claim
 * made before its last hold ended.
 */
export class HeldKeys {
  readonly #counts = new Map<string, number>();
  /** Per key, how many claims had been made when its last hold ended. */
  readonly #endedAt = new Map<string, number>();
  #claims = 0;

  /** A claim is about to be made: its number, for `has`. */
  claimMade(): number {
    this.#claims += 1;
    return this.#claims;
  }

  /** Whether claim number `claim` must give back its events of `key`. */
  has(key: string, claim: number): boolean {
    return this.#counts.has(key) || (this.#endedAt.get(key) ?? 0) >= claim;
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

  /** Give back the holds `holdUnpublished` returned (once their outcomes are recorded). */
  release(keys: Iterable<string>): void {
    for (const key of keys) {
      this.#endedAt.set(key, this.#claims);
      const count = (this.#counts.get(key) ?? 1) - 1;
      if (count > 0) this.#counts.set(key, count);
      else this.#counts.delete(key);
    }
  }

  /** Claims are handled in the order they were made: ends older than claim `claim` no longer matter. */
  forget(claim: number): void {
    for (const [key, endedAt] of this.#endedAt) if (endedAt < claim) this.#endedAt.delete(key);
  }
}
