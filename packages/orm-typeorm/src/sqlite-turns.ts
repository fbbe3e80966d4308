import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSourceLike, EntityManagerLike } from './typeorm-types.js';

interface Turn {
  open: boolean;
}

/**
 * Takes turns on the one connection of a TypeORM better-sqlite3 DataSource. TypeORM runs every
 * query runner of that driver on one connection and one query runner, so two transactions open at
 * the same time nest into each other, and a statement of the store's own would run inside whatever
 * transaction another caller has open. Transactions opened through `dataSource.transaction()` or
 * `dataSource.manager.transaction()`, and the store's own work, therefore run one at a time; inside
 * a turn (the same async context) everything joins the turn's transaction, as TypeORM does.
 */
export class SqliteTurns {
  readonly #context = new AsyncLocalStorage<Turn>();
  #tail: Promise<void> = Promise.resolve();

  /** Whether the current call runs inside a turn, whose transaction it is then part of. */
  get inTurn(): boolean {
    return this.#context.getStore()?.open === true;
  }

  /** Run `work` when no one else's turn is open (at once inside a turn). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTurn) return work();
    const previous = this.#tail;
    let release = () => {};
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    const turn: Turn = { open: true };
    try {
      return await this.#context.run(turn, work);
    } finally {
      // Work started from inside the turn after it ends (a timer, a hook) queues like any other.
      turn.open = false;
      release();
    }
  }

  /** Make `manager.transaction()` (what `dataSource.transaction()` calls) take turns. */
  patch(manager: EntityManagerLike): void {
    const target = manager as EntityManagerLike & { [PATCHED]?: true };
    // A manager bound to a query runner (typeorm-transactional's inside its context) is not the one
    // every transaction starts from.
    if (target[PATCHED] || target.queryRunner) return;
    const original = manager.transaction;
    target.transaction = (...args: unknown[]) => this.run(() => original.apply(manager, args));
    target[PATCHED] = true;
  }
}

const PATCHED = Symbol.for('@dispatch/orm-typeorm/sqlite-turns');
const REGISTRY = Symbol.for('@dispatch/orm-typeorm/sqlite-turns-registry');

/** The turns of a better-sqlite3 `dataSource` (one per DataSource in the process). */
export function sqliteTurnsOf(dataSource: DataSourceLike): SqliteTurns {
  const global = globalThis as { [REGISTRY]?: WeakMap<DataSourceLike, SqliteTurns> };
  global[REGISTRY] ??= new WeakMap();
  let turns = global[REGISTRY].get(dataSource);
  if (!turns) {
    turns = new SqliteTurns();
    global[REGISTRY].set(dataSource, turns);
  }
  turns.patch(dataSource.manager);
  return turns;
}
