// Drizzle (@dispatch/orm-drizzle) for bench/stores/run.mjs: drizzle on a node-postgres Pool as the
// package README sets it up; publishing runs in withOutboxTransaction, the plain transactions in
// db.transaction; the raw INSERT is tx.execute(sql`...`).
import { fromPackage } from '../lib/from-package.mjs';

export const suite = 'orm-drizzle';
/** The store's package: its build, and its dependencies as it resolves them. */
export const pkg = fromPackage('orm-drizzle');

export async function open({ connection, orders }) {
  const { drizzleStore, withOutboxTransaction } = await pkg.dist();
  const { sql } = await pkg.import('drizzle-orm');
  const { drizzle } = await pkg.import('drizzle-orm/node-postgres');
  const { integer, pgTable, serial, varchar } = await pkg.import('drizzle-orm/pg-core');
  const pg = (await pkg.import('pg')).default;
  const pool = new pg.Pool(connection);
  pool.on('error', () => {});
  const db = drizzle(pool);
  const Orders = pgTable(orders, {
    id: serial('id').primaryKey(),
    customer: varchar('customer', { length: 255 }).notNull(),
    total: integer('total').notNull(),
  });
  const work = (write) => async (tx) => {
    const [order] = await tx
      .insert(Orders)
      .values({ customer: 'ada', total: 42 })
      .returning({ id: Orders.id });
    await write?.(tx, order.id);
  };
  return {
    pg,
    store: drizzleStore,
    options: { db },
    transaction: (write) => db.transaction(work(write)),
    outboxTransaction: (write) => withOutboxTransaction(db, work(write)),
    // drizzle's sql tag takes the literal parts and the values, bound by the driver.
    execute: (tx, parts, values) => tx.execute(sql(parts, ...values)),
    close: () => pool.end(),
  };
}
