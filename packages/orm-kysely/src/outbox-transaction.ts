import { InvalidArgumentError } from '@dispatch/core';
import {
  CommitCallbacks,
  type RegisteredBinding,
  type RegisteredTransactionRules,
  TransactionRegistry,
} from '@dispatch/store-sql';
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
  /** Identifies the Kysely instance the transaction belongs to (its adapter, see `adapterOf`). */
  database: unknown;
  /** Opened by `startOutboxTransaction`: the application commits, rolls back and nests by hand. */
  controlled: boolean;
}

/** A handle of an open transaction, at the savepoint depth it was handed out for. */
export interface TransactionBinding extends RegisteredBinding {
  transaction: OpenTransaction;
  level: number;
  /** The transaction's plugin-less handle, whichever handle of it the write went through. */
  handle: AnyKysely;
}

/** The transactions opened through this package, and the one around the current call. */
export const transactions = new TransactionRegistry<TransactionBinding>('@dispatch/orm-kysely/transactions');

const WRAPPER_HINT =
  'Open it with withOutboxTransaction(db, async (trx) => ...) from @dispatch/orm-kysely instead of ' +
  'db.transaction().execute(), or with startOutboxTransaction(db) instead of db.startTransaction().';

/** How the store tells a `{ transaction }` opened through this package from anything else. */
export const callerTransactionRules: RegisteredTransactionRules = {
  registry: transactions,
  databaseOf: (value) => (isKysely(value) ? adapterOf(value) : undefined),
  // `db` itself, as code taking "db or trx" passes it.
  isTransaction: (handle) => (handle as AnyKysely).isTransaction,
  describe: describeValue,
  names: { orm: 'Kysely', instance: 'Kysely instance', option: 'db', handle: 'db', tx: 'trx' },
  notRegistered:
    'The outbox cannot see when this Kysely transaction commits, so it could not hold the event’s ' +
    `created hooks and wake-ups until then. ${WRAPPER_HINT} Nothing was written.`,
};

function bindingAt(transaction: OpenTransaction, level: number): TransactionBinding {
  return { transaction, level, handle: transaction.raw };
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
  const known = transactions.bindingOf(handle) !== undefined;
  transactions.bind(handle, binding);
  if (known) return handle;
  const target = handle as unknown as Record<string, Method>;
  // Looked up at call time: a nested handle is re-bound to its own level after it is derived.
  const current = () => transactions.bindingOf(handle) ?? binding;
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
    adopt(result as object, bindingAt(binding.transaction, callbacks.depth));
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

function open(trx: AnyKysely, controlled: boolean, callbacks = new CommitCallbacks()): TransactionBinding {
  const transaction: OpenTransaction = {
    callbacks,
    raw: trx.withoutPlugins(),
    database: adapterOf(trx),
    controlled,
  };
  const binding = bindingAt(transaction, 0);
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
  const binding = transactions.bindingOf(outer);
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
  const innerBinding = bindingAt(transaction, callbacks.depth);
  transactions.bind(inner, innerBinding);
  try {
    const result = await transactions.runIn(innerBinding, () => work(inner));
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
  const callbacks = new CommitCallbacks();
  return callbacks.settleWith(() =>
    builder.execute((trx) => transactions.runIn(open(trx, false, callbacks), () => work(trx))),
  );
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
