import type { Dispatch } from '@dispatch/core';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import { dispatchOnStore } from '@dispatch/test-services/store-dispatch';
import { type DataSource, EntitySchema } from 'typeorm';
import { afterAll, beforeAll } from 'vitest';
import { type TypeOrmStoreOptions, typeormStore } from '../src/index.js';
import { type DatabaseName, dropOutbox, dropTableOn, openDataSource, uniqueTable } from './databases.js';

export async function dispatchFor(
  dataSource: unknown,
  tableName: string,
  extra: { requireTransaction?: boolean } = {},
): Promise<Dispatch> {
  return dispatchOnStore(typeormStore, {
    dataSource: dataSource as TypeOrmStoreOptions['dataSource'],
    tableName,
    ...extra,
  });
}

export interface Order {
  id: number;
  customer: string;
}

/** A business entity, so tests can check it commits and rolls back with the event. */
export function orderEntity(tableName: string): EntitySchema<Order> {
  return new EntitySchema<Order>({
    name: `Order_${tableName}`,
    tableName,
    columns: {
      id: { type: 'int', primary: true, generated: 'increment' },
      customer: { type: 'varchar', length: 64 },
    },
  });
}

export const event = (customer: string) => ({
  eventType: 'order.created',
  source: 'tests',
  data: { customer },
});

/**
 * A DataSource with an orders table, and two Dispatches on one outbox table: `dispatch` writes on
 * its own outside a transaction, `strict` requires one. Both record the events they create.
 */
export interface OrdersSetup {
  orders: EntitySchema<Order>;
  dataSource: DataSource;
  dispatch: Dispatch;
  strict: Dispatch;
  /** Close both, and drop the tables. */
  close(): Promise<void>;
}

export async function openOrdersSetup(
  db: DatabaseName,
  options: {
    outbox: string;
    created: string[];
    /** Before the orders table is created (a library that wraps the DataSource registers it here). */
    opened?: ((dataSource: DataSource) => void) | undefined;
    /** Before the DataSource is destroyed. */
    closing?: (() => void) | undefined;
  },
): Promise<OrdersSetup> {
  const orders = orderEntity(uniqueTable('orders'));
  const dataSource = await openDataSource(db, { extra: { entities: [orders] } });
  options.opened?.(dataSource);
  await dataSource.synchronize();
  const dispatch = await dispatchFor(dataSource, options.outbox);
  const strict = await dispatchFor(dataSource, options.outbox, { requireTransaction: true });
  for (const each of [dispatch, strict])
    each.hooks.on('created', (written) => void options.created.push(written.id));
  return {
    orders,
    dataSource,
    dispatch,
    strict,
    async close() {
      await dispatch.close();
      await strict.close();
      await dropOutbox(dataSource, db, options.outbox);
      await dropTableOn(dataSource, orders.options.tableName as string);
      options.closing?.();
      await dataSource.destroy();
      removeSqliteFiles();
    },
  };
}

/**
 * An `openOrdersSetup` opened before the tests of the enclosing `describe` and closed after them:
 * its members are there once the tests run.
 */
export function ordersSetupForTests(
  db: DatabaseName,
  options: Parameters<typeof openOrdersSetup>[1],
): OrdersSetup {
  const setup = {} as OrdersSetup;
  beforeAll(async () => {
    Object.assign(setup, await openOrdersSetup(db, options));
  });
  afterAll(() => setup.close?.());
  return setup;
}
