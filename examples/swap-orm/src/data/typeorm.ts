import 'reflect-metadata';
import { typeormStore } from '@dispatch/orm-typeorm';
import { DataSource, EntitySchema } from 'typeorm';
import { outboxTable, type Settings } from '../settings.js';
import type { Order, OrdersData } from './types.js';

/**
 * TypeORM: a plain `dataSource.transaction()` (the store sees its commit through a subscriber it
 * adds); the callback's `manager` is the transaction.
 */
export async function open(settings: Settings): Promise<OrdersData> {
  const entity = new EntitySchema<Order>({
    name: 'Order',
    tableName: 'orders',
    schema: settings.schema,
    columns: {
      id: { type: 'integer', primary: true, generated: 'increment' },
      customer: { type: 'varchar', length: 255 },
      totalCents: { type: 'integer', name: 'total_cents' },
    },
  });
  const { host, port, user, password, database } = settings.postgres;
  const dataSource = new DataSource({
    type: 'postgres',
    host,
    port,
    username: user,
    ...(password === undefined ? {} : { password }),
    database,
    entities: [entity],
  });
  await dataSource.initialize();
  const plain = (o: Order): Order => ({ id: o.id, customer: o.customer, totalCents: o.totalCents });
  return {
    store: {
      STORE: typeormStore,
      OPTIONS: { dataSource, tableName: outboxTable(settings), requireTransaction: true },
    },
    transaction: (work) =>
      dataSource.transaction((manager) =>
        work({
          handle: manager,
          insertOrder: async (order) => plain(await manager.save(entity, manager.create(entity, order))),
          async customerTotalCents(customer) {
            return (await manager.sum(entity, 'totalCents', { customer })) ?? 0;
          },
        }),
      ),
    async listOrders() {
      return (await dataSource.manager.find(entity, { order: { id: 'ASC' } })).map(plain);
    },
    close: () => dataSource.destroy(),
  };
}
