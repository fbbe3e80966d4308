import type { Dispatch } from '@dispatch/core';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import type { DataSource, EntitySchema } from 'typeorm';
import {
  addTransactionalDataSource,
  deleteDataSourceByName,
  initializeTransactionalContext,
  Propagation,
  runInTransaction,
  StorageDriver,
  Transactional,
} from 'typeorm-transactional';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTable } from './databases.js';
import { event, type Order, type OrdersSetup, openOrdersSetup } from './harness.js';

// typeorm-transactional keeps the transaction of the current call in an async context and hands
// out its manager as dataSource.manager: that is the store's ambient transaction.
initializeTransactionalContext({ storageDriver: StorageDriver.ASYNC_LOCAL_STORAGE });

describe.each(SQL_DATABASES)('typeorm-transactional on %s', (db) => {
  const outbox = uniqueTable('cls');
  const created: string[] = [];
  let setup: OrdersSetup;
  let orders: EntitySchema<Order>;
  let dataSource: DataSource;
  let dispatch: Dispatch;
  let strict: Dispatch;

  beforeAll(async () => {
    setup = await openOrdersSetup(db, {
      outbox,
      created,
      opened: (opened) => addTransactionalDataSource({ name: db, dataSource: opened }),
      closing: () => deleteDataSourceByName(db),
    });
    ({ orders, dataSource, dispatch, strict } = setup);
  });

  afterAll(() => setup.close());

  const customers = (customer: string) => dataSource.getRepository(orders).countBy({ customer });

  class OrderService {
    @Transactional({ connectionName: db })
    async place(customer: string, fail: boolean, report: (id: string) => void): Promise<void> {
      // A repository of the DataSource: typeorm-transactional points it at the transaction.
      await dataSource.getRepository(orders).insert({ customer });
      const written = await strict.publisher.publishEvent(event(customer));
      report(written.id);
      expect(created).not.toContain(written.id);
      if (fail) throw new Error('refused');
    }
  }

  const ways: Record<
    string,
    (customer: string, fail: boolean, report: (id: string) => void) => Promise<void>
  > = {
    '@Transactional()': (customer, fail, report) => new OrderService().place(customer, fail, report),
    'runInTransaction()': (customer, fail, report) =>
      runInTransaction(
        async () => {
          await dataSource.getRepository(orders).insert({ customer });
          const written = await strict.publisher.publishEvent(event(customer));
          report(written.id);
          if (fail) throw new Error('refused');
        },
        { connectionName: db },
      ),
  };

  for (const [way, run] of Object.entries(ways)) {
    it(`commits the event with the business row through ${way}, without { transaction }`, async () => {
      const customer = `c-${Math.random()}`;
      let id = '';
      await run(customer, false, (written) => {
        id = written;
      });
      expect(await customers(customer)).toBe(1);
      expect((await strict.store.get(id))?.status).toBe('pending');
      expect(created).toContain(id);
    });

    it(`rolls the event back with the business row through ${way}`, async () => {
      const customer = `c-${Math.random()}`;
      let id = '';
      await expect(
        run(customer, true, (written) => {
          id = written;
        }),
      ).rejects.toThrow('refused');
      expect(id).not.toBe('');
      expect(await customers(customer)).toBe(0);
      expect(await strict.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
    });
  }

  it('takes the explicit manager of the context too, and runs the store’s own work outside it', async () => {
    let id = '';
    await expect(
      runInTransaction(
        async () => {
          id = (await dispatch.publisher.publishEvent(event('explicit'), { transaction: dataSource.manager }))
            .id;
          // The store's own statements never run in the context's transaction.
          if (db !== 'sqlite') expect(await dispatch.store.get(id)).toBeNull();
          throw new Error('rolled back');
        },
        { connectionName: db },
      ),
    ).rejects.toThrow('rolled back');
    expect(await dispatch.store.get(id)).toBeNull();
  });

  // On SQLite the one connection stays in the outer transaction, which everything in it joins.
  it.skipIf(db === 'sqlite')(
    'has no ambient transaction with Propagation.NOT_SUPPORTED inside one',
    async () => {
      await runInTransaction(
        () =>
          runInTransaction(
            () =>
              expect(strict.publisher.publishEvent(event('outside'))).rejects.toMatchObject({
                code: 'DISPATCH_TRANSACTION_REQUIRED',
              }),
            { connectionName: db, propagation: Propagation.NOT_SUPPORTED },
          ),
        { connectionName: db },
      );
    },
  );
});
