import { mikroOrmStore } from '@dispatch/orm-mikro';
import { EntitySchema } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { outboxTable, type Settings } from '../settings.js';
import type { Order, OrdersData } from './types.js';

/** MikroORM: the event is written in `em.transactional()`; its `em` is the transaction. */
export async function open(settings: Settings): Promise<OrdersData> {
  const entity = new EntitySchema<Order>({
    name: 'Order',
    tableName: 'orders',
    schema: settings.schema,
    properties: {
      id: { type: 'number', primary: true, autoincrement: true },
      customer: { type: 'string' },
      totalCents: { type: 'number', fieldName: 'total_cents' },
    },
  });
  const { host, port, user, password, database } = settings.postgres;
  const orm = await MikroORM.init({
    host,
    port,
    user,
    ...(password === undefined ? {} : { password }),
    dbName: database,
    entities: [entity],
    debug: false,
  });
  const plain = (o: Order): Order => ({ id: o.id, customer: o.customer, totalCents: o.totalCents });
  return {
    store: {
      STORE: mikroOrmStore,
      OPTIONS: { orm, tableName: outboxTable(settings), requireTransaction: true },
    },
    transaction: (work) =>
      orm.em.fork().transactional((em) =>
        work({
          handle: em,
          async insertOrder(order) {
            const row = em.create(entity, order);
            // The insert is a unit-of-work change: flush it so the id exists before the event is written.
            await em.flush();
            return plain(row);
          },
          async customerTotalCents(customer) {
            const orders = await em.find(entity, { customer });
            return orders.reduce((sum, o) => sum + o.totalCents, 0);
          },
        }),
      ),
    async listOrders() {
      const orders = await orm.em.fork().find(entity, {}, { orderBy: { id: 'asc' } });
      return orders.map(plain);
    },
    close: () => orm.close(),
  };
}
