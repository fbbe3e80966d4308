import { type BusinessHandles, businessTransactionSuite } from '@dispatch/store-sql/testing';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import {
  addTransactionalDataSource,
  deleteDataSourceByName,
  initializeTransactionalContext,
  Propagation,
  runInTransaction,
  StorageDriver,
  Transactional,
} from 'typeorm-transactional';
import { describe, expect, it } from 'vitest';
import { uniqueTable } from './databases.js';
import { event, ordersSetupForTests } from './harness.js';

// typeorm-transactional keeps the transaction of the current call in an async context and hands
// out its manager as dataSource.manager: that is the store's ambient transaction.
initializeTransactionalContext({ storageDriver: StorageDriver.ASYNC_LOCAL_STORAGE });

describe.each(SQL_DATABASES)('typeorm-transactional on %s', (db) => {
  const outbox = uniqueTable('cls');
  const created: string[] = [];
  const setup = ordersSetupForTests(db, {
    outbox,
    created,
    opened: (opened) => addTransactionalDataSource({ name: db, dataSource: opened }),
    closing: () => deleteDataSourceByName(db),
  });

  const customers = (customer: string) => setup.dataSource.getRepository(setup.orders).countBy({ customer });

  class OrderService {
    @Transactional({ connectionName: db })
    async place(work: (handles: BusinessHandles) => Promise<void>): Promise<void> {
      await work({});
    }
  }

  // No handle at all: the row through a repository of the DataSource, which typeorm-transactional
  // points at the transaction, and the event through `strict`, without { transaction }.
  businessTransactionSuite({
    dispatch: () => setup.strict,
    writeRow: (_none, customer) => setup.dataSource.getRepository(setup.orders).insert({ customer }),
    countRows: customers,
    ways: {
      '@Transactional()': (work) => new OrderService().place(work),
      'runInTransaction()': (work) => runInTransaction(() => work({}), { connectionName: db }),
    },
  });

  it('takes the explicit manager of the context too, and runs the store’s own work outside it', async () => {
    let id = '';
    await expect(
      runInTransaction(
        async () => {
          id = (
            await setup.dispatch.publisher.publishEvent(event('explicit'), {
              transaction: setup.dataSource.manager,
            })
          ).id;
          // The store's own statements never run in the context's transaction.
          if (db !== 'sqlite') expect(await setup.dispatch.store.get(id)).toBeNull();
          throw new Error('rolled back');
        },
        { connectionName: db },
      ),
    ).rejects.toThrow('rolled back');
    expect(await setup.dispatch.store.get(id)).toBeNull();
  });

  // On SQLite the one connection stays in the outer transaction, which everything in it joins.
  it.skipIf(db === 'sqlite')(
    'has no ambient transaction with Propagation.NOT_SUPPORTED inside one',
    async () => {
      await runInTransaction(
        () =>
          runInTransaction(
            () =>
              expect(setup.strict.publisher.publishEvent(event('outside'))).rejects.toMatchObject({
                code: 'DISPATCH_TRANSACTION_REQUIRED',
              }),
            { connectionName: db, propagation: Propagation.NOT_SUPPORTED },
          ),
        { connectionName: db },
      );
    },
  );
});
