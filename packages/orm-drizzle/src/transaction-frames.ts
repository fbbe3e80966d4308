import { AsyncLocalStorage } from 'node:async_hooks';

/** One transaction (or savepoint) opened by `withOutboxTransaction`, and what waits for its commit. */
export interface TransactionFrame {
  /** `db.$client` of the database that opened it: the same pool means the same database. */
  readonly client: object;
  /** The driver connection its statements run on (pg PoolClient, mysql2 PoolConnection, SQLite Database). */
  readonly connection: unknown;
  /** The Drizzle transaction object (`tx`) of this frame. */
  readonly handle: object;
  /** The transaction around a savepoint; undefined for the outermost one. */
  readonly parent: TransactionFrame | undefined;
  /** After-commit callbacks, run once the outermost transaction has committed. */
  callbacks: (() => void)[];
  /** False once it committed, was released into its parent, or rolled back. */
  open: boolean;
}

/** A FIFO lock, for SQLite's one connection. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T> | T): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

interface Registry {
  /** Drizzle transaction object -> its frame. */
  frames: WeakMap<object, TransactionFrame>;
  /** The innermost open frame of the running async context (the ambient transaction). */
  ambient: AsyncLocalStorage<TransactionFrame>;
  /** SQLite Database -> the lock its transactions and the store's own statements take turns on. */
  locks: WeakMap<object, Mutex>;
}

// Kept on globalThis so that the ESM and CJS copies of this package (or two installed copies)
// share one view of the open transactions.
const KEY = Symbol.for('@dispatch/orm-drizzle/transactions');
const holder = globalThis as { [KEY]?: Registry };
holder[KEY] ??= { frames: new WeakMap(), ambient: new AsyncLocalStorage(), locks: new WeakMap() };
export const registry: Registry = holder[KEY];

export function newFrame(
  client: object,
  connection: unknown,
  handle: object,
  parent?: TransactionFrame,
): TransactionFrame {
  const frame: TransactionFrame = { client, connection, handle, parent, callbacks: [], open: true };
  registry.frames.set(handle, frame);
  return frame;
}

/** The open frame of the current async context on `client`, if any. */
export function ambientFrame(client: object): TransactionFrame | undefined {
  const frame = registry.ambient.getStore();
  return frame?.open && frame.client === client ? frame : undefined;
}

export function sqliteLock(client: object): Mutex {
  let lock = registry.locks.get(client);
  if (!lock) {
    lock = new Mutex();
    registry.locks.set(client, lock);
  }
  return lock;
}

/** A savepoint was released: its callbacks now wait for the transaction around it. */
export function release(frame: TransactionFrame): void {
  frame.open = false;
  frame.parent?.callbacks.push(...frame.callbacks);
  frame.callbacks = [];
}

/** Rolled back (a savepoint too): its events are gone, so are their callbacks. */
export function discard(frame: TransactionFrame): void {
  frame.open = false;
  frame.callbacks = [];
}

/** The outermost transaction committed: run what waited for it. */
export function committed(frame: TransactionFrame): void {
  frame.open = false;
  const callbacks = frame.callbacks;
  frame.callbacks = [];
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // Only the store registers callbacks, and it logs their errors itself; the commit stands.
    }
  }
}
