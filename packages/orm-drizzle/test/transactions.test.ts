import type { Dispatch } from '@dispatch/core';
import { businessTransactionSuite } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDatabase, type TestDatabase, uniqueTable } from './databases.js';
import { createOrders, dispatchFor, ordersTable } from './harness.js';

describe.each(SQL_DATABASES)('transactions on %s', (name) => {
  const outbox = uniqueTable('tx');
  const ordersName = uniqueTable('orders');
  const orders = ordersTable(name, ordersName);
  let database: TestDatabase;
  let other: TestDatabase;
  let dispatch: Dispatch;
  let strict: Dispatch;
  const created: string[] = [];

  beforeAll(async () => {
    database = await openDatabase(name);
    other = await openDatabase(name);
    await createOrders(database, ordersName);
    dispatch = await dispatchFor(database.db, outbox);
    strict = await dispatchFor(database.db, outbox, { requireTransaction: true });
    dispatch.hooks.on('created', (event) => {
      created.push(event.id);
    });
  });

  afterAll(async () => {
    await dispatch.close();
    await strict.close();
    await dropOutbox(database, outbox);
    await database.sql(`DROP TABLE IF EXISTS ${ordersName}`);
    await other.close();
    await database.close();
    removeSqliteFiles();
  });

  const customers = async (customer: string) =>
    (await database.db.select().from(orders).where(eq(orders.customer, customer))).length;
  const event = (customer: string) => ({ eventType: 'order.created', source: 'tests', data: { customer } });
  const outboxRows = async () => Number((await database.sql(`SELECT COUNT(*) AS n FROM ${outbox}`))[0]?.n);

  // biome-ignore lint/suspicious/noExplicitAny: the tx of whichever dialect runs.
  type Tx = any;
  businessTransactionSuite({
    dispatch: () => dispatch,
    writeRow: (tx, customer) => (tx as Tx).insert(orders).values({ customer }),
    countRows: customers,
    ways: {
      'an explicit tx': (work) =>
        withOutboxTransaction(database.db, (tx: Tx) => work({ row: tx, transaction: tx })),
      'the ambient transaction': (work) => withOutboxTransaction(database.db, (tx: Tx) => work({ row: tx })),
    },
    nesting: {
      transaction: (work) => withOutboxTransaction(database.db, work),
      nest: { 'tx.transaction()': (outer, work) => (outer as Tx).transaction(work) },
    },
    ambient: true,
  });

  it("rolls back on Drizzle's tx.rollback()", async () => {
    let id = '';
    await expect(
      withOutboxTransaction(database.db, async (tx: Tx) => {
        id = (await dispatch.publisher.publishEvent(event('rollback'), { transaction: tx })).id;
        tx.rollback();
      }),
    ).rejects.toThrow(/rollback/i);
    expect(await dispatch.store.get(id)).toBeNull();
    expect(created).not.toContain(id);
  });

  it('drops the events and hooks of a rolled-back savepoint and keeps the rest', async () => {
    let kept = '';
    let dropped = '';
    let ambient = '';
    await withOutboxTransaction(database.db, async (tx: Tx) => {
      kept = (await dispatch.publisher.publishEvent(event('kept'), { transaction: tx })).id;
      await expect(
        tx.transaction(async (inner: Tx) => {
          dropped = (await dispatch.publisher.publishEvent(event('dropped'), { transaction: inner })).id;
          // Without { transaction } the innermost open savepoint is the ambient one.
          ambient = (await dispatch.publisher.publishEvent(event('dropped too'))).id;
          throw new Error('savepoint refused');
        }),
      ).rejects.toThrow('savepoint refused');
    });
    expect((await dispatch.store.get(kept))?.status).toBe('pending');
    expect(await dispatch.store.get(dropped)).toBeNull();
    expect(await dispatch.store.get(ambient)).toBeNull();
    expect(created).toContain(kept);
    expect(created).not.toContain(dropped);
    expect(created).not.toContain(ambient);
  });

  it('writes and commits on its own outside any transaction', async () => {
    const written = await dispatch.publisher.publishEvent(event('alone'));
    expect(created).toContain(written.id);
    expect((await dispatch.store.get(written.id))?.status).toBe('pending');
  });

  it('throws TransactionRequiredError outside a transaction when configured to', async () => {
    await expect(strict.publisher.publishEvent(event('strict'))).rejects.toMatchObject({
      code: 'DISPATCH_TRANSACTION_REQUIRED',
    });
    await expect(strict.publisher.publishEvent(event('strict'))).rejects.toThrow(/withOutboxTransaction/);
    const explicit = await withOutboxTransaction(database.db, (tx: Tx) =>
      strict.publisher.publishEvent(event('strict'), { transaction: tx }),
    );
    const ambient = await withOutboxTransaction(database.db, () =>
      strict.publisher.publishEvent(event('strict')),
    );
    expect((await strict.store.get(explicit.id))?.status).toBe('pending');
    expect((await strict.store.get(ambient.id))?.status).toBe('pending');
  });

  it('refuses a tx of a plain db.transaction(), naming withOutboxTransaction, and writes nothing', async () => {
    const rows = await outboxRows();
    const plain = async (tx: Tx) => {
      await expect(
        dispatch.publisher.publishEvent(event('plain'), { transaction: tx }),
      ).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
        message: expect.stringMatching(
          /withOutboxTransaction.*Nothing was written|Nothing was written.*withOutboxTransaction/s,
        ),
      });
    };
    if (name === 'sqlite') {
      // better-sqlite3's own transactions are synchronous; its savepoint tx is still not ours.
      let pending: Promise<void> | undefined;
      database.db.transaction((tx: Tx) => {
        pending = plain(tx);
      });
      await pending;
    } else {
      await database.db.transaction(plain);
    }
    expect(await outboxRows()).toBe(rows);
  });

  it('refuses a plain object, the db itself, a tx of another database and a finished tx', async () => {
    const refused = (transaction: unknown, message: RegExp) =>
      expect(dispatch.publisher.publishEvent(event('x'), { transaction })).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    await refused({ begin() {} }, /not a Drizzle transaction/);
    await refused(database.db, /not a transaction/);
    await withOutboxTransaction(other.db, (tx: Tx) => refused(tx, /another database/));
    let finished: Tx;
    await withOutboxTransaction(database.db, async (tx: Tx) => {
      finished = tx;
    });
    await refused(finished, /already committed or rolled back/);
  });

  it('passes the transaction config to Drizzle', async () => {
    if (name === 'sqlite') {
      await expect(
        withOutboxTransaction(database.db, async () => {}, { behavior: 'later' } as never),
      ).rejects.toThrow(/behavior/);
      await withOutboxTransaction(database.db, async () => {}, { behavior: 'deferred' });
      return;
    }
    // A read-only transaction refuses the outbox insert: the config reached the transaction it runs in.
    await expect(
      withOutboxTransaction(
        database.db,
        (tx: Tx) => dispatch.publisher.publishEvent(event('read only'), { transaction: tx }),
        { accessMode: 'read only' },
      ),
    ).rejects.toThrow(/read[ -]only/i);
  });

  it('refuses work that is not a function and a db that is not a Drizzle database', async () => {
    await expect(withOutboxTransaction(database.db, 'work' as never)).rejects.toMatchObject({
      code: 'DISPATCH_INVALID_ARGUMENT',
    });
    await expect(withOutboxTransaction({ transaction() {} } as never, async () => {})).rejects.toThrow(
      /\$client/,
    );
  });
});
