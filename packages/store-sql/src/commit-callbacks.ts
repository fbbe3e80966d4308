/** Where a transaction an ORM store opened for the caller stands. */
export type TransactionStatus = 'active' | 'committed' | 'rolled back';

interface Level {
  /** The savepoint that opened this level; undefined for the transaction itself. */
  name: string | undefined;
  callbacks: (() => void)[];
}

/**
 * The after-commit callbacks of one open transaction, one list per open savepoint. A callback is
 * added to the innermost open savepoint, whichever handle of the transaction the write went
 * through: every handle runs on the same connection, so that is where the row is.
 */
export class CommitCallbacks {
  #status: TransactionStatus = 'active';
  #levels: Level[] = [{ name: undefined, callbacks: [] }];

  get status(): TransactionStatus {
    return this.#status;
  }

  /** How many savepoints are open (0: none). */
  get depth(): number {
    return this.#levels.length - 1;
  }

  add(callback: () => void): void {
    (this.#levels.at(-1) as Level).callbacks.push(callback);
  }

  savepoint(name: string): void {
    this.#levels.push({ name, callbacks: [] });
  }

  #find(name: string): number {
    for (let index = this.#levels.length - 1; index > 0; index -= 1) {
      if (this.#levels[index]?.name === name) return index;
    }
    return -1;
  }

  /** Released: its callbacks, and those of the savepoints inside it, now wait on the level around it. */
  releaseSavepoint(name: string): void {
    const index = this.#find(name);
    if (index < 0) return;
    const released = this.#levels.splice(index);
    (this.#levels.at(-1) as Level).callbacks.push(...released.flatMap((level) => level.callbacks));
  }

  /** Rolled back to: its writes are gone, so are their callbacks; the savepoint itself stays open. */
  rollbackToSavepoint(name: string): void {
    const index = this.#find(name);
    if (index < 0) return;
    this.#levels.splice(index + 1);
    (this.#levels[index] as Level).callbacks = [];
  }

  /** The transaction committed: run every callback once, in the order they were added. */
  commit(): void {
    if (this.#status !== 'active') return;
    this.#status = 'committed';
    const callbacks = this.#levels.flatMap((level) => level.callbacks);
    this.#levels = [{ name: undefined, callbacks: [] }];
    for (const callback of callbacks) {
      try {
        callback();
      } catch {
        // The store's callbacks log their own failures; the commit itself has succeeded.
      }
    }
  }

  /**
   * Settle with the outcome of `transaction`, the ORM call that opens, runs and commits it: commit
   * once it resolves, roll back when it throws.
   */
  async settleWith<T>(transaction: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await transaction();
    } catch (error) {
      this.rollback();
      throw error;
    }
    this.commit();
    return result;
  }

  /** The transaction rolled back, or its outcome is unknown: drop every callback. */
  rollback(): void {
    if (this.#status !== 'active') return;
    this.#status = 'rolled back';
    this.#levels = [{ name: undefined, callbacks: [] }];
  }
}
