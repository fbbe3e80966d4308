import { EntitySchema } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Settings } from './settings.js';

/** An order as the service writes it. */
export interface Order {
  id: number;
  customerId: string;
  totalCents: number;
}

export function orderEntity(settings: Settings): EntitySchema<Order> {
  return new EntitySchema<Order>({
    name: 'Order',
    tableName: 'orders',
    schema: settings.schema,
    properties: {
      id: { type: 'number', primary: true, autoincrement: true },
      customerId: { type: 'string', fieldName: 'customer_id' },
      totalCents: { type: 'number', fieldName: 'total_cents' },
    },
  });
}

/** The application's ORM. The outbox store runs its SQL through this same connection pool. */
export async function openOrm(settings: Settings): Promise<MikroORM> {
  const { host, port, user, password, database } = settings.postgres;
  return MikroORM.init({
    host,
    port,
    user,
    ...(password === undefined ? {} : { password }),
    dbName: database,
    entities: [orderEntity(settings)],
    debug: false,
  });
}

/**
 * Create the orders table if it is missing. In an application it is a migration of yours; the
 * outbox table next to it comes from `dispatch migrate` (or `dispatch.store.migrate()`).
 */
export async function createOrdersTable(orm: MikroORM, settings: Settings): Promise<void> {
  // Plain DDL rather than orm.schema.updateSchema(): that diffs the whole database and would offer
  // to drop every table it does not know, the outbox included.
  const connection = orm.em.getConnection();
  await connection.execute(`create schema if not exists "${settings.schema}"`);
  await connection.execute(
    `create table if not exists "${settings.schema}".orders (
       id serial primary key,
       customer_id varchar(255) not null,
       total_cents integer not null
     )`,
  );
}
