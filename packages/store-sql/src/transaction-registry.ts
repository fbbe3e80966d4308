import { AsyncLocalStorage } from 'node:async_hooks';
import type { CommitCallbacks } from './commit-callbacks.js';

/** What an ORM store's `withOutboxTransaction` records of a handle it handed out. */
export interface RegisteredBinding {
  readonly transaction: {
    readonly callbacks: CommitCallbacks;
    /** Which database it is on (the ORM instance's adapter, engine...): the same value, the same one. */
    readonly database: unknown;
  };
  /** What the store's statements take as their transaction when written through this handle. */
  readonly handle: unknown;
}

interface Slots<Binding> {
  bindings: WeakMap<object, Binding>;
  ambient: AsyncLocalStorage<Binding>;
}

/**
 * The transactions an ORM store's `withOutboxTransaction` opened: the binding of each handle it
 * handed out, and the innermost one around the running call (the ambient transaction).
 */
export class TransactionRegistry<Binding> {
  readonly #slots: Slots<Binding>;

  /**
   * The registry kept on globalThis under `key`: one per process, even when the ESM and the CJS build
   * of a store are both loaded (the wrapper from one, the store from the other).
   */
  constructor(key: string) {
    const symbol = Symbol.for(key);
    const global = globalThis as { [symbol]?: Slots<Binding> };
    global[symbol] ??= { bindings: new WeakMap(), ambient: new AsyncLocalStorage() };
    this.#slots = global[symbol];
  }

  bind(handle: object, binding: Binding): void {
    this.#slots.bindings.set(handle, binding);
  }

  /** The binding of a handle the wrapper handed out; undefined for any other value. */
  bindingOf(handle: unknown): Binding | undefined {
    // A WeakMap answers undefined for a primitive too.
    return this.#slots.bindings.get(handle as object);
  }

  /** The innermost binding `runIn` set around the current call, if any. */
  ambient(): Binding | undefined {
    return this.#slots.ambient.getStore();
  }

  /** Run `work` with `binding` as the ambient transaction. */
  runIn<T>(binding: Binding, work: () => T): T {
    return this.#slots.ambient.run(binding, work);
  }
}
