import type { Dispatch } from '@dispatch/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { orderEntity } from './order.js';
import type { Settings } from './settings.js';

/** The application's ORM. The outbox store runs its SQL through this same connection pool. */
export async function openOrm(settings: Settings): Promise<MikroORM> {
  const { host, port, user, password, database } = settings.postgres;
  return MikroORM.init({
    host,
    port,
    user,
    ...(password === undefined ? {} : { password }),
    dbName: database,
    entities: [orderEntity(settings.ordersTable)],
    debug: false,
  });
}

/**
 * Create the orders table and the outbox table if missing. In an application both are migrations:
 * yours for the orders, and `dispatch migrate` (or the MikroORM migration from
 * `@dispatch/orm-mikro/migration`) for the outbox.
 */
export async function ensureSchema(orm: MikroORM, dispatch: Dispatch, settings: Settings): Promise<void> {
  // Plain DDL rather than orm.schema.updateSchema(): that diffs the whole database schema and would
  // offer to drop every table it does not know, the outbox included.
  await orm.em.getConnection().execute(
    `create table if not exists "${settings.ordersTable}" (
       id serial primary key,
       customer varchar(255) not null,
       total_cents integer not null,
       created_at timestamptz not null
     )`,
  );
  await dispatch.store.migrate();
}
