import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidArgumentError } from '@dispatch/core';
import { CommitCallbacks } from '@dispatch/store-sql';
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
  engine: object;
}

/** A transaction client handed out by `withOutboxTransaction` (or a nested transaction in it). */
export interface TransactionBinding {
  transaction: OpenTransaction;
  /** Prisma's own transaction client, which the store's statements run on. */
  raw: PrismaHandle;
}

interface Registry {
  bindings: WeakMap<object, TransactionBinding>;
  ambient: AsyncLocalStorage<TransactionBinding>;
}

// One registry per process, even when the ESM and the CJS build of this package are both loaded
// (the wrapper from one, the store from the other).
const REGISTRY = Symbol.for('@dispatch/orm-prisma/transactions');

function registry(): Registry {
  const global = globalThis as { [REGISTRY]?: Registry };
  global[REGISTRY] ??= { bindings: new WeakMap(), ambient: new AsyncLocalStorage() };
  return global[REGISTRY];
}

/** The open transaction behind a transaction client `withOutboxTransaction` handed out, if it is one. */
export function bindingOf(handle: object): TransactionBinding | undefined {
  return registry().bindings.get(handle);
}

/** The innermost `withOutboxTransaction` (or nested `tx.$transaction`) around the current call. */
export function ambientBinding(): TransactionBinding | undefined {
  return registry().ambient.getStore();
}

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
          return registry().ambient.run(inner.binding, () => (work as (tx: unknown) => unknown)(inner.tx));
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
  const binding: TransactionBinding = { transaction, raw };
  const tx = track(raw, binding);
  registry().bindings.set(tx, binding);
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
    const binding = bindingOf(prisma);
    if (!binding) {
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
  const transaction: OpenTransaction = { callbacks: new CommitCallbacks(), engine: engineOf(prisma) };
  let result: T;
  try {
    result = (await prisma.$transaction((raw: PrismaHandle) => {
      const { tx, binding } = open(raw, transaction);
      return registry().ambient.run(binding, () => work(tx));
    }, options)) as T;
  } catch (error) {
    transaction.callbacks.rollback();
    throw error;
  }
  transaction.callbacks.commit();
  return result;
}
