import { InvalidArgumentError } from '@dispatch/core';
import {
  CommitCallbacks,
  type RegisteredBinding,
  type RegisteredTransactionRules,
  TransactionRegistry,
} from '@dispatch/store-sql';
import {
  describeValue,
  engineOf,
  isPrismaClient,
  isPrismaHandle,
  type PrismaClientLike,
  type PrismaHandle,
  type TransactionClientOf,
  type TransactionOptionsOf,
} from './prisma-types.js';

/** One interactive transaction opened by `withOutboxTransaction`, shared by its nested ones. */
export interface OpenTransaction {
  callbacks: CommitCallbacks;
  /** The query engine of the client that opened it (see `engineOf`): the same one means the same database. */
  database: object;
}

/** A transaction client handed out by `withOutboxTransaction` (or a nested transaction in it). */
export interface TransactionBinding extends RegisteredBinding {
  transaction: OpenTransaction;
  /** Prisma's own transaction client, which the store's statements run on. */
  handle: PrismaHandle;
}

/**
 * The transaction clients `withOutboxTransaction` handed out, and the innermost one (or nested
 * `tx.$transaction`) around the current call.
 */
export const transactions = new TransactionRegistry<TransactionBinding>('@dispatch/orm-prisma/transactions');

const WRAPPER_HINT =
  'Open it with withOutboxTransaction(prisma, async (tx) => ...) from @dispatch/orm-prisma instead of ' +
  'prisma.$transaction(async (tx) => ...): Prisma has no after-commit hook, so the store cannot see when a ' +
  'plain $transaction commits, and the events’ created hooks and worker wake-ups would have nothing to wait for.';

/** How the store tells a `{ transaction }` of `withOutboxTransaction` from anything else. */
export const callerTransactionRules: RegisteredTransactionRules = {
  registry: transactions,
  // The query engine a client, its `$extends` copies and its transactions share.
  databaseOf: (value) => (isPrismaHandle(value) ? engineOf(value) : undefined),
  // The client itself, as code taking "prisma or tx" passes it.
  isTransaction: (handle) => !isPrismaClient(handle),
  describe: describeValue,
  names: { orm: 'Prisma', instance: 'PrismaClient', option: 'prisma', handle: 'client', tx: 'tx' },
  notRegistered: `The outbox cannot see when this Prisma transaction commits. ${WRAPPER_HINT} Nothing was written.`,
};

type TransactionMethod = (work: unknown, options?: unknown) => Promise<unknown>;

let savepoints = 0;

/**
 * Prisma's transaction client with one change: `tx.$transaction(async (inner) => ...)`, Prisma's
 * nested transaction (a savepoint), is followed, so that a savepoint that rolls back drops the
 * after-commit callbacks of the events written in it, through whichever handle.
 */
function track(raw: PrismaHandle, binding: TransactionBinding): PrismaHandle {
  const original = (raw as unknown as { $transaction?: TransactionMethod }).$transaction;
  const nested: TransactionMethod = async (work, options) => {
    // The array form runs a batch inside this transaction: nothing to follow.
    if (typeof work !== 'function' || typeof original !== 'function') {
      return (original as TransactionMethod).call(raw, work, options);
    }
    const { callbacks } = binding.transaction;
    savepoints += 1;
    const name = `dispatch_${savepoints}`;
    callbacks.savepoint(name);
    try {
      const result = await original.call(
        raw,
        (innerRaw: PrismaHandle) => {
          const inner = open(innerRaw, binding.transaction);
          return transactions.runIn(inner.binding, () => (work as (tx: unknown) => unknown)(inner.tx));
        },
        options,
      );
      callbacks.releaseSavepoint(name);
      return result;
    } catch (error) {
      // Prisma rolled back to the savepoint (or never made it): its events are gone.
      callbacks.rollbackToSavepoint(name);
      callbacks.releaseSavepoint(name);
      throw error;
    }
  };
  return new Proxy(raw, {
    get: (target, property) => (property === '$transaction' ? nested : Reflect.get(target, property)),
  });
}

function open(
  raw: PrismaHandle,
  transaction: OpenTransaction,
): { tx: PrismaHandle; binding: TransactionBinding } {
  const binding: TransactionBinding = { transaction, handle: raw };
  const tx = track(raw, binding);
  transactions.bind(tx, binding);
  return { tx, binding };
}

/**
 * Run `work` in a Prisma interactive transaction (`prisma.$transaction(work, options)`) that the
 * outbox can follow: events published in it, with `{ transaction: tx }` or without any
 * `transaction` option, are written in it, and their `created` hooks and worker wake-ups run only
 * after it commits (never after a rollback). `options` are Prisma's (`maxWait`, `timeout`,
 * `isolationLevel`). Inside, `tx.$transaction(async (inner) => ...)` (or
 * `withOutboxTransaction(tx, ...)`) is Prisma's nested transaction, a savepoint: its events are
 * kept or dropped with it, and committed with the outer transaction.
 *
 * ```ts
 * await withOutboxTransaction(prisma, async (tx) => {
 *   await tx.order.create({ data: order });
 *   await dispatch.publisher.publishEvent({ eventType: 'order.created', source: 'shop', data }, { transaction: tx });
 * });
 * ```
 */
export function withOutboxTransaction<C extends PrismaClientLike, T>(
  prisma: C,
  work: (tx: TransactionClientOf<C>) => Promise<T>,
  options?: TransactionOptionsOf<C>,
): Promise<T>;
export async function withOutboxTransaction<T>(
  prisma: unknown,
  work: (tx: unknown) => Promise<T>,
  options?: unknown,
): Promise<T> {
  if (typeof work !== 'function') {
    throw new InvalidArgumentError(
      `withOutboxTransaction(prisma, work): work must be a function (tx) => Promise, got ${describeValue(work)}. Nothing was run.`,
    );
  }
  if (isPrismaHandle(prisma) && !isPrismaClient(prisma)) {
    if (!transactions.bindingOf(prisma)) {
      throw new InvalidArgumentError(
        'withOutboxTransaction(tx, work) nests only in a transaction opened by withOutboxTransaction; this tx ' +
          'comes from a plain prisma.$transaction(), whose commit the outbox cannot see. Open the outer ' +
          'transaction with withOutboxTransaction(prisma, ...). Nothing was run.',
      );
    }
    // Prisma's nested transaction, followed by the handle `track` made.
    return (prisma as unknown as { $transaction: TransactionMethod }).$transaction(
      work,
      options,
    ) as Promise<T>;
  }
  if (!isPrismaClient(prisma)) {
    throw new InvalidArgumentError(
      'withOutboxTransaction(prisma, work): prisma must be your PrismaClient (new PrismaClient({ adapter }), ' +
        `or an $extends copy of it) or a tx of an outer withOutboxTransaction, got ${describeValue(prisma)}. Nothing was run.`,
    );
  }
  const transaction: OpenTransaction = { callbacks: new CommitCallbacks(), database: engineOf(prisma) };
  return transaction.callbacks.settleWith(
    () =>
      prisma.$transaction((raw: PrismaHandle) => {
        const { tx, binding } = open(raw, transaction);
        return transactions.runIn(binding, () => work(tx));
      }, options) as Promise<T>,
  );
}
