/** The longest run of keyed batches published without a claim made ahead, after misses. */
const MAX_SKIP = 32;

/**
 * Whether to claim the next batch while a batch with keyed events publishes. Such a claim finds
 * nothing when the backlog belongs to the keys the batch holds (one hot key, a few busy keys), and
 * it costs the store a look at rows it cannot hand out, on the same cores. After one came back
 * empty the worker instead claims right after the batch is recorded, for the next 2, 4, ... 32
 * keyed batches, then tries claiming ahead again; one that finds events resets it.
 */
export class ClaimAhead {
  #misses = 0;
  #skip = 0;

  /** Claim ahead of this batch with keyed events? */
  afterKeyed(): boolean {
    if (this.#skip === 0) return true;
    this.#skip -= 1;
    return false;
  }

  /** How many events a claim made ahead of a keyed batch found. */
  found(count: number): void {
    if (count > 0) {
      this.#misses = 0;
      this.#skip = 0;
      return;
    }
    this.#misses += 1;
    this.#skip = Math.min(2 ** this.#misses, MAX_SKIP);
  }
}
