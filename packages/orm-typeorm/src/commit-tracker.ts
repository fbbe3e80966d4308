import type {
  DataSourceLike,
  QueryRunnerLike,
  TransactionEventLike,
  TransactionSubscriberLike,
} from './typeorm-types.js';

/** The callbacks waiting on one query runner's transaction, by the depth they were added at. */
type Levels = Map<number, (() => void)[]>;

const depthOf = (runner: QueryRunnerLike): number => runner.transactionDepth ?? 0;

/**
 * A TypeORM subscriber that runs callbacks once a query runner's transaction commits, and drops
 * them when it rolls back. Every way of running a TypeORM transaction (`dataSource.transaction()`,
 * `manager.transaction()`, a `QueryRunner`'s `startTransaction()`, typeorm-transactional) goes
 * through the query runner, which tells its subscribers after each commit and rollback; a nested
 * transaction (a savepoint) reports them too, told apart by the depth left afterwards.
 */
export class CommitTracker implements TransactionSubscriberLike {
  readonly #pending = new WeakMap<QueryRunnerLike, Levels>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Subscribe to `dataSource` (again, when `initialize()` replaced its subscribers since). */
  install(dataSource: DataSourceLike): void {
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
  }

  /** Call `callback` once `runner`'s open transaction, and every one around it, has committed. */
  add(runner: QueryRunnerLike, callback: () => void): void {
    const depth = Math.max(depthOf(runner), 1);
    let levels = this.#pending.get(runner);
    if (!levels) {
      levels = new Map();
      this.#pending.set(runner, levels);
    }
    const list = levels.get(depth);
    if (list) list.push(callback);
    else levels.set(depth, [callback]);
  }

  beforeTransactionStart(event: TransactionEventLike): undefined {
    // A new outermost transaction: whatever is left is from one whose outcome was never reported
    // (its commit and its rollback both failed), so it must never run.
    if (depthOf(event.queryRunner) === 0) this.#pending.delete(event.queryRunner);
    return undefined;
  }

  afterTransactionCommit(event: TransactionEventLike): undefined {
    const runner = event.queryRunner;
    const levels = this.#pending.get(runner);
    if (!levels) return undefined;
    const depth = depthOf(runner);
    if (depth > 0) {
      // A released savepoint: its callbacks now wait on the transaction around it.
      const kept = levels.get(depth) ?? [];
      for (const [level, callbacks] of [...levels]) {
        if (level <= depth) continue;
        kept.push(...callbacks);
        levels.delete(level);
      }
      if (kept.length > 0) levels.set(depth, kept);
      return undefined;
    }
    this.#pending.delete(runner);
    const callbacks = [...levels.keys()].sort((a, b) => a - b).flatMap((level) => levels.get(level) ?? []);
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        this.#onError(error);
      }
    }
    return undefined;
  }

  afterTransactionRollback(event: TransactionEventLike): undefined {
    const runner = event.queryRunner;
    const levels = this.#pending.get(runner);
    if (!levels) return undefined;
    const depth = depthOf(runner);
    if (depth === 0) {
      this.#pending.delete(runner);
      return undefined;
    }
    // Rolled back to a savepoint: the writes made since it are gone, and so are their callbacks.
    for (const level of [...levels.keys()]) if (level > depth) levels.delete(level);
    return undefined;
  }
}

// One tracker per DataSource in the process, even when the ESM and the CJS build of this package
// are both loaded, so that stores sharing a DataSource share one subscriber.
const TRACKERS = Symbol.for('@dispatch/orm-typeorm/commit-trackers');

/** The commit tracker of `dataSource`, subscribed to it. */
export function commitTrackerOf(
  dataSource: DataSourceLike,
  onError: (error: unknown) => void,
): CommitTracker {
  const global = globalThis as { [TRACKERS]?: WeakMap<DataSourceLike, CommitTracker> };
  global[TRACKERS] ??= new WeakMap();
  let tracker = global[TRACKERS].get(dataSource);
  if (!tracker) {
    tracker = new CommitTracker(onError);
    global[TRACKERS].set(dataSource, tracker);
  }
  tracker.install(dataSource);
  return tracker;
}
