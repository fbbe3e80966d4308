import { drizzleStore, withOutboxTransaction } from '@dispatch/orm-drizzle';
import { asc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { integer, pgSchema, pgTable, serial, varchar } from 'drizzle-orm/pg-core';
import { outboxTable, type Settings } from '../settings.js';
import { openPool } from './pg-pool.js';
import type { OrdersData } from './types.js';

function ordersTable(schema: string) {
  const columns = {
    id: serial('id').primaryKey(),
    customer: varchar('customer', { length: 255 }).notNull(),
    totalCents: integer('total_cents').notNull(),
  };
  // Drizzle refuses pgSchema('public'): tables there are plain pgTable()s.
  return schema === 'public' ? pgTable('orders', columns) : pgSchema(schema).table('orders', columns);
}

/**
 * Drizzle on node-postgres: the transaction is opened with the store's `withOutboxTransaction`
 * (Drizzle has no commit hook, so a plain `db.transaction` is refused); its `tx` is the transaction.
 */
export async function open(settings: Settings): Promise<OrdersData> {
  const pool = openPool(settings);
  const db = drizzle(pool);
  const orders = ordersTable(settings.schema);
  const columns = { id: orders.id, customer: orders.customer, totalCents: orders.totalCents };
  return {
    store: {
      STORE: drizzleStore,
      OPTIONS: { db, tableName: outboxTable(settings), requireTransaction: true },
    },
    transaction: (work) =>
      withOutboxTransaction(db, (tx) =>
        work({
          handle: tx,
          async insertOrder(order) {
            const [row] = await tx.insert(orders).values(order).returning(columns);
            return row!;
          },
          async customerTotalCents(customer) {
            const [row] = await tx
              .select({ total: sql<number>`coalesce(sum(${orders.totalCents}), 0)`.mapWith(Number) })
              .from(orders)
              .where(eq(orders.customer, customer));
            return row?.total ?? 0;
          },
        }),
      ),
    listOrders: () => db.select(columns).from(orders).orderBy(asc(orders.id)),
    close: () => pool.end(),
  };
}
