// MikroORM (@dispatch/orm-mikro) for bench/stores/run.mjs: an ORM on the local PostgreSQL, its
// transactions as the package README shows them (em.transactional), a raw INSERT through the em.
import { fromPackage } from '../lib/from-package.mjs';

export const suite = 'orm-mikro';
/** The store's package: its build, and its dependencies as it resolves them. */
export const pkg = fromPackage('orm-mikro');

export async function open({ connection, orders }) {
  const { mikroOrmStore } = await pkg.dist();
  const { EntitySchema, MikroORM } = await pkg.import('@mikro-orm/core');
  const { PostgreSqlDriver } = await pkg.import('@mikro-orm/postgresql');
  const Order = new EntitySchema({
    name: 'BenchOrder',
    tableName: orders,
    properties: {
      id: { type: 'number', primary: true, autoincrement: true },
      customer: { type: 'string' },
      total: { type: 'number' },
    },
  });
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    host: connection.host,
    port: connection.port,
    user: connection.user,
    dbName: connection.database,
    entities: [Order],
    allowGlobalContext: true,
    debug: false,
  });
  const transaction = (write) =>
    orm.em.fork().transactional(async (em) => {
      const order = em.create(Order, { customer: 'ada', total: 42 });
      await em.flush();
      await write?.(em, order.id);
    });
  return {
    pg: (await pkg.importVia('@mikro-orm/postgresql', 'pg')).default,
    store: mikroOrmStore,
    options: { orm },
    transaction,
    // MikroORM sees commits itself: publish in the same em.transactional.
    outboxTransaction: transaction,
    // Knex bindings are `?`.
    execute: (em, parts, values) =>
      em.getConnection().execute(parts.join('?'), values, 'run', em.getTransactionContext()),
    close: () => orm.close(true),
  };
}
