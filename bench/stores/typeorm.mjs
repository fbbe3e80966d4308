// TypeORM (@dispatch/orm-typeorm) for bench/stores/run.mjs: a postgres DataSource as the package
// README sets it up; transactions are dataSource.transaction (the store sees their commits through
// its subscriber), the raw INSERT is manager.query.
import { fromPackage } from '../lib/from-package.mjs';

export const suite = 'orm-typeorm';
/** The store's package: its build, and its dependencies as it resolves them. */
export const pkg = fromPackage('orm-typeorm');

export async function open({ connection, orders }) {
  await pkg.import('reflect-metadata');
  const { typeormStore } = await pkg.dist();
  const { DataSource, EntitySchema } = await pkg.import('typeorm');
  const Order = new EntitySchema({
    name: 'BenchOrder',
    tableName: orders,
    columns: {
      id: { type: Number, primary: true, generated: true },
      customer: { type: String },
      total: { type: Number },
    },
  });
  const dataSource = new DataSource({
    type: 'postgres',
    host: connection.host,
    port: connection.port,
    username: connection.user,
    database: connection.database,
    entities: [Order],
  });
  await dataSource.initialize();
  const transaction = (write) =>
    dataSource.transaction(async (manager) => {
      const order = await manager.save(Order, { customer: 'ada', total: 42 });
      await write?.(manager, order.id);
    });
  return {
    pg: (await pkg.import('pg')).default,
    store: typeormStore,
    options: { dataSource },
    transaction,
    outboxTransaction: transaction,
    // The pg driver's bindings are $1, $2, ...
    execute: (manager, parts, values) =>
      manager.query(
        parts.reduce((text, part, i) => `${text}$${i}${part}`),
        values,
      ),
    close: () => dataSource.destroy(),
  };
}
