import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidArgumentError } from '@dispatch/core';
import { CommitCallbacks } from '@dispatch/store-sql';
import {
  type Command,
  CompiledQuery,
  type ControlledTransaction,
  type ControlledTransactionBuilder,
  type Kysely,
  type KyselyPlugin,
  type Transaction,
  type TransactionBuilder,
} from 'kysely';
import {
  type AnyKysely,
  type AnyTransaction,
  adapterOf,
  describeValue,
  isKysely,
  isTransactionBuilder,
} from './kysely-types.js';

/** One transaction opened through this package, shared by every handle of it. */
export interface OpenTransaction {
  callbacks: CommitCallbacks;
  /** The transaction without the application's plugins: the store's statements run on it. */
  raw: AnyKysely;
  /** Identifies the Kysely instance the transaction belongs to (see `adapterOf`). */
  adapter: unknown;
  /** Opened by `startOutboxTransaction`: the application commits, rolls back and nests by hand. */
  controlled: boolean;
}

/** A handle of an open transaction, at the savepoint depth it was handed out for. */
export interface TransactionBinding {
  transaction: OpenTransaction;
  level: number;
}

interface Registry {
  bindings: WeakMap<object, TransactionBinding>;
  ambient: AsyncLocalStorage<TransactionBinding>;
}

// One registry per process, even when the ESM and the CJS build of this package are both loaded
// (the wrapper from one, the store from the other).
const REGISTRY = Symbol.for('@dispatch/orm-kysely/transactions');

function registry(): Registry {
  const global = globalThis as { [REGISTRY]?: Registry };
  global[REGISTRY] ??= { bindings: new WeakMap(), ambient: new AsyncLocalStorage() };
  return global[REGISTRY];
}

/** The open transaction behind a handle, if it was opened through this package. */
export function bindingOf(handle: object): TransactionBinding | undefined {
  return registry().bindings.get(handle);
}

/** The innermost `withOutboxTransaction` around the current call, if any. */
export function ambientBinding(): TransactionBinding | undefined {
  return registry().ambient.getStore();
}

/** Methods that return another handle of the same transaction (same connection). */
const DERIVING = [
  'withPlugin',
  'withoutPlugins',
  'withSchema',
  'withTables',
  '$extendTables',
  '$omitTables',
  '$pickTables',
] as const;

type Method = (...args: unknown[]) => unknown;

/** Run `after` once `command` has executed, as a command of Kysely's own class. */
function afterCommand<T>(command: Command<T>, after: (result: T) => T, failed?: () => void): Command<T> {
  const CommandClass = command.constructor as new (run: () => Promise<T>) => Command<T>;
  return new CommandClass(async () => {
    let result: T;
    try {
      result = await command.execute();
    } catch (error) {
      failed?.();
      throw error;
    }
    return after(result);
  });
}

/**
 * Register `handle` and make the handles derived from it (`withSchema`, `withPlugin`... and, for a
 * controlled transaction, its savepoint commands) known too; a controlled transaction's commit and
 * rollback run or drop the callbacks.
 */
function adopt<T extends object>(handle: T, binding: TransactionBinding): T {
  const { bindings } = registry();
  const known = bindings.has(handle);
  bindings.set(handle, binding);
  if (known) return handle;
  const target = handle as unknown as Record<string, Method>;
  // Looked up at call time: a nested handle is re-bound to its own level after it is derived.
  const current = () => bindings.get(handle) ?? binding;
  for (const name of DERIVING) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = (...args) => adopt(original.apply(handle, args) as object, current());
  }
  if (!binding.transaction.controlled) return handle;
  const { callbacks } = binding.transaction;
  const wrap = (name: string, after: (result: unknown, args: unknown[]) => unknown, failed?: () => void) => {
    const original = target[name];
    if (typeof original !== 'function') return;
    target[name] = (...args) =>
      afterCommand(original.apply(handle, args) as Command<unknown>, (result) => after(result, args), failed);
  };
  const derived = (result: unknown) =>
    adopt(result as object, { transaction: binding.transaction, level: callbacks.depth });
  // A commit that fails has an unknown outcome: its callbacks are dropped, never run twice.
  wrap(
    'commit',
    () => callbacks.commit(),
    () => callbacks.rollback(),
  );
  wrap(
    'rollback',
    () => callbacks.rollback(),
    () => callbacks.rollback(),
  );
  wrap('savepoint', (result, [name]) => {
    callbacks.savepoint(String(name));
    return derived(result);
  });
  wrap('rollbackToSavepoint', (result, [name]) => {
    callbacks.rollbackToSavepoint(String(name));
    return derived(result);
  });
  wrap('releaseSavepoint', (result, [name]) => {
    callbacks.releaseSavepoint(String(name));
    return derived(result);
  });
  return handle;
}

function open(trx: AnyKysely, controlled: boolean): TransactionBinding {
  const transaction: OpenTransaction = {
    callbacks: new CommitCallbacks(),
    raw: trx.withoutPlugins(),
    adapter: adapterOf(trx),
    controlled,
  };
  const binding: TransactionBinding = { transaction, level: 0 };
  adopt(trx, binding);
  return binding;
}

/** Gives the nested callback a handle of its own, with the application's plugins. */
const SAME: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => args.result,
};

const raw = (transaction: OpenTransaction, sql: string) =>
  transaction.raw.executeQuery(CompiledQuery.raw(sql));

async function nest<T>(outer: AnyTransaction, work: (trx: AnyTransaction) => Promise<T>): Promise<T> {
  const binding = bindingOf(outer);
  if (!binding) {
    throw new InvalidArgumentError(
      'withOutboxTransaction(trx, work) nests only in a transaction opened by withOutboxTransaction or ' +
        'startOutboxTransaction; this one was opened by db.transaction() or db.startTransaction(), whose ' +
        'commit the outbox cannot see. Open the outer transaction with withOutboxTransaction(db, ...).',
    );
  }
  const { transaction } = binding;
  const { callbacks } = transaction;
  if (callbacks.status !== 'active') {
    throw new InvalidArgumentError(
      `withOutboxTransaction(trx, work): this transaction has ${callbacks.status}.`,
    );
  }
  if (!transaction.controlled && binding.level > callbacks.depth) {
    throw new InvalidArgumentError(
      'withOutboxTransaction(trx, work): this trx is the one of a nested withOutboxTransaction that has ' +
        'ended; nest in the trx of the transaction around it.',
    );
  }
  if (!transaction.controlled && binding.level !== callbacks.depth) {
    throw new InvalidArgumentError(
      'withOutboxTransaction(trx, work): another nested withOutboxTransaction on this transaction is still ' +
        'open. Nested transactions share one connection: await each one before starting the next.',
    );
  }
  const name = `dispatch_sp_${callbacks.depth + 1}`;
  // Counted open before the statement runs, so a concurrent second nested call is refused.
  callbacks.savepoint(name);
  try {
    await raw(transaction, `savepoint ${name}`);
  } catch (error) {
    callbacks.rollbackToSavepoint(name);
    callbacks.releaseSavepoint(name);
    throw error;
  }
  const inner = outer.withPlugin(SAME);
  const innerBinding: TransactionBinding = { transaction, level: callbacks.depth };
  registry().bindings.set(inner, innerBinding);
  try {
    const result = await registry().ambient.run(innerBinding, () => work(inner));
    await raw(transaction, `release savepoint ${name}`);
    callbacks.releaseSavepoint(name);
    return result;
  } catch (error) {
    if (callbacks.depth >= innerBinding.level) {
      callbacks.rollbackToSavepoint(name);
      callbacks.releaseSavepoint(name);
      // Undo the savepoint's writes; if the connection is gone the outer transaction fails anyway.
      await raw(transaction, `rollback to savepoint ${name}`)
        .then(() => raw(transaction, `release savepoint ${name}`))
        .catch(() => {});
    }
    throw error;
  }
}

/**
 * Run `work` in a Kysely transaction (`db.transaction().execute(work)`) that the outbox can follow:
 * events published in it, with `{ transaction: trx }` or without any `transaction` option, are
 * written in it, and their `created` hooks and worker wake-ups run only after it commits (never
 * after a rollback). Pass `db.transaction().setIsolationLevel(...)` instead of `db` to choose an
 * isolation level; pass a `trx` from an outer call to nest (a savepoint: its events are kept or
 * dropped with it, and committed with the outer transaction).
 *
 * ```ts
 * await withOutboxTransaction(db, async (trx) => {
 *   await trx.insertInto('orders').values(order).execute();
 *   await dispatch.publisher.publishEvent({ eventType: 'order.created', source: 'shop', data }, { transaction: trx });
 * });
 * ```
 */
export function withOutboxTransaction<DB, T>(
  db: Kysely<DB> | TransactionBuilder<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
): Promise<T>;
export async function withOutboxTransaction<T>(
  db: unknown,
  work: (trx: AnyTransaction) => Promise<T>,
): Promise<T> {
  if (typeof work !== 'function') {
    throw new InvalidArgumentError(
      `withOutboxTransaction(db, work): work must be a function (trx) => Promise, got ${describeValue(work)}.`,
    );
  }
  if (isKysely(db) && db.isTransaction) return nest(db as AnyTransaction, work);
  let builder: { execute(callback: (trx: AnyTransaction) => Promise<T>): Promise<T> };
  if (isKysely(db)) builder = db.transaction();
  else if (isTransactionBuilder(db, false)) builder = db as typeof builder;
  else {
    throw new InvalidArgumentError(
      'withOutboxTransaction(db, work): db must be your Kysely instance, db.transaction() (with an isolation ' +
        `level set) or a trx of an outer withOutboxTransaction, got ${describeValue(db)}` +
        (isTransactionBuilder(db, true)
          ? ' (db.startTransaction(): use startOutboxTransaction for that).'
          : '.'),
    );
  }
  let opened: TransactionBinding | undefined;
  let result: T;
  try {
    result = await builder.execute((trx) => {
      opened = open(trx, false);
      return registry().ambient.run(opened, () => work(trx));
    });
  } catch (error) {
    opened?.transaction.callbacks.rollback();
    throw error;
  }
  opened?.transaction.callbacks.commit();
  return result;
}

/**
 * `db.startTransaction().execute()` that the outbox can follow: a Kysely controlled transaction
 * whose `commit()` runs the `created` hooks and wake-ups of the events published in it (with
 * `{ transaction: trx }`), and whose `rollback()`, `rollbackToSavepoint()` drop them. Pass
 * `db.startTransaction().setIsolationLevel(...)` instead of `db` to choose an isolation level.
 *
 * ```ts
 * const trx = await startOutboxTransaction(db);
 * try {
 *   await dispatch.publisher.publishEvent(input, { transaction: trx });
 *   await trx.commit().execute();
 * } catch (error) {
 *   await trx.rollback().execute();
 *   throw error;
 * }
 * ```
 */
export function startOutboxTransaction<DB>(
  db: Kysely<DB> | ControlledTransactionBuilder<DB>,
): Promise<ControlledTransaction<DB>>;
export async function startOutboxTransaction(db: unknown): Promise<unknown> {
  let builder: { execute(): Promise<AnyKysely> };
  if (isKysely(db) && !db.isTransaction) builder = db.startTransaction();
  else if (isTransactionBuilder(db, true)) builder = db as typeof builder;
  else {
    throw new InvalidArgumentError(
      'startOutboxTransaction(db): db must be your Kysely instance or db.startTransaction() (with an ' +
        `isolation level set), got ${isKysely(db) ? 'a transaction' : describeValue(db)}.`,
    );
  }
  const trx = await builder.execute();
  open(trx, true);
  return trx;
}
