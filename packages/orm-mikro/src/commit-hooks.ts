import type { EntityManagerLike } from './orm-types.js';

/** Knex (MikroORM 6) transactions are functions, Kysely (MikroORM 7) ones objects. */
function isHandle(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;

interface PatchableConnection {
  begin?: Method;
  commit?: Method;
  rollback?: Method;
}

/**
 * Runs callbacks after a caller's MikroORM transaction commits (never on rollback), so a created-hook
 * never sees a rolled-back event. It wraps the ORM connection's own `begin`/`commit`/`rollback`,
 * which every way of running a transaction goes through (`em.transactional()`, `@Transactional()`,
 * `em.begin()`), rather than MikroORM's transaction events: each transaction fork clones the event
 * manager, so a subscriber added inside a transaction never hears its root commit, and MikroORM 7
 * also reports savepoint releases as commits.
 */
export class CommitHooks {
  readonly #pending = new WeakMap<object, (() => void)[]>();
  /** Savepoint -> the transaction it was opened in (recorded by the wrapped `begin`). */
  readonly #parents = new WeakMap<object, object>();
  readonly #patched = new WeakSet<object>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  #parent(trx: object): object | undefined {
    const parent: unknown = this.#parents.get(trx);
    if (isHandle(parent)) return parent;
    // MikroORM 6 also links a savepoint to its parent under a private symbol.
    const link = Object.getOwnPropertySymbols(trx).find((s) => s.description === 'parentTransaction');
    const linked = link ? (trx as Record<symbol, unknown>)[link] : undefined;
    return isHandle(linked) ? linked : undefined;
  }

  #fire(trx: object): void {
    const callbacks = this.#pending.get(trx);
    if (!callbacks) return;
    this.#pending.delete(trx);
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Watch the transactions of `em`'s connection (shared by every fork of the ORM). */
  listen(em: EntityManagerLike): void {
    const connection = em.getConnection('write') as unknown as PatchableConnection;
    if (this.#patched.has(connection)) return;
    const { begin, commit, rollback } = connection;
    if (typeof begin !== 'function' || typeof commit !== 'function' || typeof rollback !== 'function') return;
    this.#patched.add(connection);
    const hooks = this;
    connection.begin = async function (this: unknown, ...args: unknown[]) {
      const trx = await begin.apply(this, args);
      const parent = (args[0] as { ctx?: unknown } | undefined)?.ctx;
      if (isHandle(trx) && isHandle(parent)) hooks.#parents.set(trx, parent);
      return trx;
    };
    connection.commit = async function (this: unknown, ...args: unknown[]) {
      const result = await commit.apply(this, args);
      const trx = args[0];
      if (isHandle(trx)) {
        // A released savepoint hands its callbacks to the transaction around it; the root fires them.
        const parent = hooks.#parent(trx);
        const callbacks = hooks.#pending.get(trx);
        if (parent && callbacks) {
          hooks.#pending.delete(trx);
          hooks.#add(parent, callbacks);
        } else if (!parent) hooks.#fire(trx);
      }
      return result;
    };
    connection.rollback = async function (this: unknown, ...args: unknown[]) {
      // Rolled back (a savepoint too): its events are gone, so are their callbacks.
      if (isHandle(args[0])) hooks.#pending.delete(args[0]);
      return rollback.apply(this, args);
    };
  }

  #add(trx: object, callbacks: (() => void)[]): void {
    const list = this.#pending.get(trx);
    if (list) list.push(...callbacks);
    else this.#pending.set(trx, [...callbacks]);
  }

  /** Call `callback` once `trx` and every transaction around it have committed. */
  register(em: EntityManagerLike, trx: unknown, callback: () => void): void {
    if (!isHandle(trx)) {
      callback();
      return;
    }
    this.listen(em);
    this.#add(trx, [callback]);
  }
}
