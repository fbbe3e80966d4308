import { InvalidArgumentError, StoreUnsupportedError } from '@dispatch/core';
import { drizzleKinds, sessionClient, sessionOf } from './drizzle-kinds.js';
import { SqliteOutboxTransaction } from './sqlite-transaction.js';
import {
  ambientFrame,
  committed,
  discard,
  newFrame,
  registry,
  release,
  sqliteLock,
  type TransactionFrame,
} from './transaction-frames.js';

/** What `withOutboxTransaction` needs of a Drizzle database (any of the three drivers). */
export interface DrizzleDatabaseLike {
  /** The driver client Drizzle was created on: a pg Pool, a mysql2 pool, a better-sqlite3 Database. */
  $client?: unknown;
  transaction(...args: never[]): unknown;
}

/** The transaction object Drizzle hands to `db.transaction`'s callback for this database. */
export type DrizzleTransactionOf<TDb> = TDb extends {
  transaction(work: (tx: infer Tx) => infer _R, ...rest: infer _Rest): unknown;
}
  ? Tx
  : never;

/** The second argument of `db.transaction` (isolation level, access mode; on SQLite the behavior). */
export type DrizzleTransactionConfigOf<TDb> = TDb extends {
  transaction(work: never, config?: infer Config): unknown;
}
  ? Config
  : never;

function clientOf(db: unknown): object {
  const client = (db as { $client?: unknown } | null)?.$client;
  if (typeof client !== 'object' || client === null) {
    throw new InvalidArgumentError(
      'withOutboxTransaction(db, work): expected the Drizzle database that drizzle() returns (it has no $client); nothing was run.',
    );
  }
  return client;
}

/** better-sqlite3 runs Drizzle transactions synchronously, so an async callback needs our own. */
function isSyncSqlite(db: unknown): boolean {
  return (
    drizzleKinds(db).includes('BaseSQLiteDatabase') && (db as { resultKind?: unknown }).resultKind === 'sync'
  );
}

/**
 * Savepoints: `tx.transaction(...)` inside ours gets a frame of its own, whose callbacks move to
 * the parent when the savepoint is released and are dropped when it rolls back.
 */
function trackSavepoints(tx: object, frame: TransactionFrame): void {
  const target = tx as { transaction?: (...args: unknown[]) => Promise<unknown> };
  const original = target.transaction;
  if (typeof original !== 'function') return;
  target.transaction = async function (this: unknown, work: unknown, ...rest: unknown[]) {
    if (typeof work !== 'function') return original.call(this, work, ...rest);
    let child: TransactionFrame | undefined;
    try {
      const result = await original.call(
        this,
        (inner: object) => {
          child = newFrame(frame.client, sessionClient(sessionOf(inner)) ?? frame.connection, inner, frame);
          trackSavepoints(inner, child);
          const opened = child;
          return registry.ambient.run(opened, () => work(inner));
        },
        ...rest,
      );
      if (child) release(child);
      return result;
    } catch (error) {
      if (child) discard(child);
      throw error;
    }
  };
}

async function runSqlite<T>(
  db: object,
  client: object,
  work: (tx: never) => Promise<T>,
  config: unknown,
): Promise<T> {
  const around = ambientFrame(client);
  if (around) {
    // One connection: inside an open transaction of this database a nested call is a savepoint.
    // (Not `instanceof`: the tx may come from the other copy of this package, ESM or CJS.)
    const outer = around.handle as Pick<SqliteOutboxTransaction, 'transaction'>;
    return outer.transaction((inner) => work(inner as never));
  }
  return sqliteLock(client).run(async () => {
    const behavior = (config as { behavior?: unknown } | undefined)?.behavior ?? 'immediate';
    if (behavior !== 'deferred' && behavior !== 'immediate' && behavior !== 'exclusive') {
      throw new InvalidArgumentError(
        `withOutboxTransaction: config.behavior must be 'deferred', 'immediate' or 'exclusive', got ${JSON.stringify(behavior)}; nothing was run.`,
      );
    }
    const database = client as { exec(sql: string): unknown; inTransaction: boolean };
    const tx = SqliteOutboxTransaction.begin(db);
    const frame = tx.frame;
    database.exec(`BEGIN ${behavior.toUpperCase()}`);
    try {
      const result = await registry.ambient.run(frame, () => work(tx as never));
      database.exec('COMMIT');
      committed(frame);
      return result;
    } catch (error) {
      discard(frame);
      if (database.inTransaction) database.exec('ROLLBACK');
      throw error;
    }
  });
}

/**
 * Run `work` in a transaction of `db` (Drizzle's `db.transaction`, or on better-sqlite3 an
 * asynchronous one of this package) in which `publishEvent` can write: pass `{ transaction: tx }`,
 * or leave it out inside `work` and the store finds `tx` on its own. The events' `created` hooks
 * and worker wake-ups run after the transaction commits, never after a rollback; a savepoint
 * (`tx.transaction(...)`) that rolls back drops its own events' hooks.
 *
 * ```ts
 * await withOutboxTransaction(db, async (tx) => {
 *   await tx.insert(orders).values(order);
 *   await dispatch.publisher.publishEvent({ eventType: 'order.created', source: 'shop', data }, { transaction: tx });
 * });
 * ```
 * @param config passed to `db.transaction` (PostgreSQL, MySQL); on SQLite `{ behavior }`, default `'immediate'`.
 */
export async function withOutboxTransaction<TDb extends DrizzleDatabaseLike, T>(
  db: TDb,
  work: (tx: DrizzleTransactionOf<TDb>) => Promise<T>,
  config?: DrizzleTransactionConfigOf<TDb>,
): Promise<T> {
  if (typeof work !== 'function') {
    throw new InvalidArgumentError(
      'withOutboxTransaction(db, work): work must be a function (tx) => Promise; nothing was run.',
    );
  }
  const client = clientOf(db);
  if (isSyncSqlite(db)) return runSqlite(db, client, work as (tx: never) => Promise<T>, config);
  let frame: TransactionFrame | undefined;
  const transaction = db.transaction as unknown as (
    work: (tx: object) => Promise<T>,
    config?: unknown,
  ) => Promise<T>;
  try {
    const result = await transaction.call(
      db,
      (tx) => {
        const connection = sessionClient(sessionOf(tx));
        if (typeof (connection as { query?: unknown } | null)?.query !== 'function') {
          // Statements would otherwise run outside the transaction: refuse instead.
          throw new StoreUnsupportedError(
            'withOutboxTransaction: cannot find the driver connection of this Drizzle transaction (tx.session.client); this drizzle-orm version or driver is not supported. Nothing was written.',
          );
        }
        frame = newFrame(client, connection, tx);
        trackSavepoints(tx, frame);
        const opened = frame;
        return registry.ambient.run(opened, () => work(tx as DrizzleTransactionOf<TDb>));
      },
      ...(config === undefined ? [] : [config]),
    );
    if (frame) committed(frame);
    return result;
  } catch (error) {
    if (frame) discard(frame);
    throw error;
  }
}
