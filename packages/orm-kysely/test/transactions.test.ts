import { randomUUID } from 'node:crypto';
import type { Dispatch } from '@dispatch/core';
import { businessTransactionSuite } from '@dispatch/store-sql/testing';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { CamelCasePlugin, CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyKysely, startOutboxTransaction, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';
import { createOrders, dispatchFor } from './harness.js';

describe.each(SQL_DATABASES)('transactions on %s', (kind) => {
  const outbox = uniqueTable('tx');
  const orders = uniqueTable('orders');
  let open: OpenDb;
  let dispatch: Dispatch;
  let strict: Dispatch;
  const created: string[] = [];

  beforeAll(async () => {
    open = await openDb(kind);
    await createOrders(open, orders);
    dispatch = await dispatchFor(open, outbox);
    strict = await dispatchFor(open, outbox, { requireTransaction: true });
    for (const each of [dispatch, strict]) each.hooks.on('created', (event) => void created.push(event.id));
  });

  afterAll(async () => {
    await dispatch.close();
    await strict.close();
    await dropOutbox(open, outbox);
    await open.db.schema.dropTable(orders).execute();
    await open.close();
  });

  const customers = async (name: string) =>
    (await open.db.selectFrom(orders).select('id').where('customer', '=', name).execute()).length;
  const event = (customer: string) => ({ eventType: 'order.created', source: 'tests', data: { customer } });
  const placeOrder = (trx: AnyKysely, customer: string) =>
    trx.insertInto(orders).values({ id: randomUUID(), customer }).execute();
  const outboxRows = async () =>
    Number(
      (await open.exec(`SELECT COUNT(*) AS n FROM ${kind === 'mariadb' ? outbox : `"${outbox}"`}`))[0]?.n,
    );

  businessTransactionSuite({
    dispatch: () => dispatch,
    writeRow: (trx, customer) => placeOrder(trx as AnyKysely, customer),
    countRows: customers,
    ways: {
      'an explicit trx of withOutboxTransaction': (work) =>
        withOutboxTransaction(open.db, (trx) => work({ row: trx, transaction: trx })),
      'the ambient withOutboxTransaction': (work) =>
        withOutboxTransaction(open.db, (trx) => work({ row: trx })),
      'a controlled startOutboxTransaction': async (work) => {
        const trx = await startOutboxTransaction(open.db);
        try {
          await work({ row: trx, transaction: trx });
          await trx.commit().execute();
        } catch (error) {
          await trx.rollback().execute();
          throw error;
        }
      },
    },
    nesting: {
      transaction: (work) => withOutboxTransaction(open.db, work),
      nest: { withOutboxTransaction: (outer, work) => withOutboxTransaction(outer as AnyKysely, work) },
    },
    ambient: true,
  });

  it('drops the events of a rolled-back nested transaction, even one written through the outer trx', async () => {
    let kept = '';
    const dropped: string[] = [];
    const customer = `c-${randomUUID()}`;
    await withOutboxTransaction(open.db, async (outer) => {
      kept = (await dispatch.publisher.publishEvent(event('kept'), { transaction: outer })).id;
      await expect(
        withOutboxTransaction(outer, async (nested) => {
          await placeOrder(nested, customer);
          dropped.push((await dispatch.publisher.publishEvent(event('dropped'), { transaction: nested })).id);
          // The outer handle runs on the same connection, inside the savepoint too.
          dropped.push((await dispatch.publisher.publishEvent(event('dropped'), { transaction: outer })).id);
          dropped.push((await dispatch.publisher.publishEvent(event('dropped'))).id);
          throw new Error('savepoint refused');
        }),
      ).rejects.toThrow('savepoint refused');
      // The transaction goes on after the savepoint's rollback (on PostgreSQL too).
      await placeOrder(outer, customer);
    });
    expect((await dispatch.store.get(kept))?.status).toBe('pending');
    expect(created).toContain(kept);
    expect(await customers(customer)).toBe(1);
    for (const id of dropped) {
      expect(await dispatch.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
    }
  });

  it('refuses a second nested transaction while one is open, and nesting in an ended one', async () => {
    await withOutboxTransaction(open.db, async (outer) => {
      let release = () => {};
      const first = withOutboxTransaction(outer, () => new Promise<void>((resolve) => (release = resolve)));
      try {
        await expect(withOutboxTransaction(outer, async () => {})).rejects.toMatchObject({
          code: 'DISPATCH_INVALID_ARGUMENT',
          message: expect.stringContaining('still open'),
        });
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 10));
        release();
        await first;
      }
      let ended: AnyKysely | undefined;
      await withOutboxTransaction(outer, async (nested) => {
        ended = nested;
      });
      await expect(withOutboxTransaction(ended as AnyKysely, async () => {})).rejects.toThrow(/has ended/);
      // One at a time, nested calls on the same trx are fine.
      await withOutboxTransaction(outer, async () => {});
    });
  });

  it('follows the savepoints, commit and rollback of a controlled transaction', async () => {
    const trx = await startOutboxTransaction(open.db);
    const kept = (await dispatch.publisher.publishEvent(event('kept'), { transaction: trx })).id;
    const afterA = await trx.savepoint('a').execute();
    const rolledBack = (await dispatch.publisher.publishEvent(event('sp-a'), { transaction: afterA })).id;
    await afterA.rollbackToSavepoint('a').execute();
    const afterB = await trx.savepoint('b').execute();
    const released = (await dispatch.publisher.publishEvent(event('sp-b'), { transaction: afterB })).id;
    await afterB.releaseSavepoint('b').execute();
    expect(created).not.toContain(kept);
    await trx.commit().execute();
    expect(created).toContain(kept);
    expect(created).toContain(released);
    expect(created).not.toContain(rolledBack);
    expect(await dispatch.store.get(rolledBack)).toBeNull();
    expect((await dispatch.store.get(released))?.status).toBe('pending');

    const again = await startOutboxTransaction(open.db);
    const gone = (await dispatch.publisher.publishEvent(event('gone'), { transaction: again })).id;
    await again.rollback().execute();
    expect(await dispatch.store.get(gone)).toBeNull();
    expect(created).not.toContain(gone);
  });

  it('takes a transaction builder with an isolation level', async () => {
    const written = await withOutboxTransaction(
      open.db.transaction().setIsolationLevel('serializable'),
      async (trx) => {
        if (kind === 'postgresql') {
          const [row] = (await trx.executeQuery(CompiledQuery.raw('SHOW transaction_isolation'))).rows;
          expect(row).toEqual({ transaction_isolation: 'serializable' });
        }
        return dispatch.publisher.publishEvent(event('isolated'), { transaction: trx });
      },
    );
    expect(created).toContain(written.id);
  });

  it('accepts a handle derived from the trx (withPlugin), and works under a CamelCasePlugin', async () => {
    const written = await withOutboxTransaction(open.db, (trx) =>
      dispatch.publisher.publishEvent(event('derived'), {
        transaction: trx.withPlugin(new CamelCasePlugin()),
      }),
    );
    expect(created).toContain(written.id);
    expect((await dispatch.store.get(written.id))?.eventType).toBe('order.created');
  });

  it('refuses a trx of db.transaction() or db.startTransaction(), naming the wrapper; nothing is written', async () => {
    const before = await outboxRows();
    await expect(
      open.db
        .transaction()
        .execute((trx) => dispatch.publisher.publishEvent(event('plain'), { transaction: trx })),
    ).rejects.toMatchObject({
      code: 'DISPATCH_INVALID_ARGUMENT',
      message: expect.stringMatching(/withOutboxTransaction\(db.*Nothing was written/s),
    });
    const controlled = await open.db.startTransaction().execute();
    try {
      await expect(
        dispatch.publisher.publishEvent(event('plain'), { transaction: controlled }),
      ).rejects.toThrow(/startOutboxTransaction\(db\)/);
    } finally {
      await controlled.rollback().execute();
    }
    await expect(withOutboxTransaction(open.db.startTransaction() as never, async () => {})).rejects.toThrow(
      /use startOutboxTransaction/,
    );
    expect(await outboxRows()).toBe(before);
  });

  it('refuses a transaction of another Kysely instance, and a plain object', async () => {
    const other = await openDb(kind);
    try {
      await expect(
        withOutboxTransaction(other.db, (trx) =>
          dispatch.publisher.publishEvent(event('other'), { transaction: trx }),
        ),
      ).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
        message: expect.stringContaining('another Kysely instance'),
      });
      // Ambient in another instance's transaction is not this store's: it writes on its own.
      let id = '';
      await expect(
        withOutboxTransaction(other.db, async () => {
          id = (await dispatch.publisher.publishEvent(event('beside'))).id;
          throw new Error('other rolled back');
        }),
      ).rejects.toThrow('other rolled back');
      expect((await dispatch.store.get(id))?.status).toBe('pending');
      await expect(
        withOutboxTransaction(other.db, () => strict.publisher.publishEvent(event('beside'))),
      ).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    } finally {
      await other.close();
    }
    await expect(
      dispatch.publisher.publishEvent(event('x'), { transaction: { query() {} } }),
    ).rejects.toMatchObject({ code: 'DISPATCH_INVALID_ARGUMENT', message: /got a plain object/ });
  });

  it('refuses a transaction that has already committed', async () => {
    let finished: AnyKysely | undefined;
    await withOutboxTransaction(open.db, async (trx) => {
      finished = trx;
    });
    await expect(dispatch.publisher.publishEvent(event('late'), { transaction: finished })).rejects.toThrow(
      /already committed\. Nothing was written/,
    );
  });

  it('writes on its own outside any transaction, and with db itself as the transaction', async () => {
    const alone = await dispatch.publisher.publishEvent(event('alone'));
    const viaDb = await dispatch.publisher.publishEvent(event('db'), { transaction: open.db });
    for (const written of [alone, viaDb]) {
      expect(created).toContain(written.id);
      expect((await dispatch.store.get(written.id))?.status).toBe('pending');
    }
  });

  it('throws TransactionRequiredError outside a transaction when configured to', async () => {
    const before = await outboxRows();
    await expect(strict.publisher.publishEvent(event('strict'))).rejects.toMatchObject({
      code: 'DISPATCH_TRANSACTION_REQUIRED',
      message: expect.stringContaining('withOutboxTransaction'),
    });
    await expect(
      strict.publisher.publishEvent(event('strict'), { transaction: open.db }),
    ).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    expect(await outboxRows()).toBe(before);
    const explicit = await withOutboxTransaction(open.db, (trx) =>
      strict.publisher.publishEvent(event('strict'), { transaction: trx }),
    );
    const ambient = await withOutboxTransaction(open.db, () =>
      strict.publisher.publishEvent(event('strict')),
    );
    for (const written of [explicit, ambient]) {
      expect((await strict.store.get(written.id))?.status).toBe('pending');
    }
  });
});
