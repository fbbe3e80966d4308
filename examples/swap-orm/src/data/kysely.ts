import { kyselyStore, withOutboxTransaction } from '@dispatch/orm-kysely';
import { type Generated, Kysely, PostgresDialect } from 'kysely';
import { outboxTable, type Settings } from '../settings.js';
import { openPool } from './pg-pool.js';
import type { OrdersData } from './types.js';

interface Database {
  orders: { id: Generated<number>; customer: string; total_cents: number };
}

/**
 * Kysely on `pg`: the transaction is opened with the store's `withOutboxTransaction` (Kysely has no
 * commit hook, so a plain `db.transaction()` is refused); its `trx` is the transaction. The store
 * gets the Kysely instance itself (not a `withSchema` copy) and the pool, for wake-ups.
 */
export async function open(settings: Settings): Promise<OrdersData> {
  const pool = openPool(settings);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const columns = ['id', 'customer', 'total_cents as totalCents'] as const;
  return {
    store: {
      STORE: kyselyStore,
      OPTIONS: { db, pgPool: pool, tableName: outboxTable(settings), requireTransaction: true },
    },
    transaction: (work) =>
      withOutboxTransaction(db, (trx) => {
        const inSchema = trx.withSchema(settings.schema);
        return work({
          handle: trx,
          insertOrder: (order) =>
            inSchema
              .insertInto('orders')
              .values({ customer: order.customer, total_cents: order.totalCents })
              .returning(columns)
              .executeTakeFirstOrThrow(),
          async customerTotalCents(customer) {
            const row = await inSchema
              .selectFrom('orders')
              .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('total_cents'), eb.lit(0)).as('total'))
              .where('customer', '=', customer)
              .executeTakeFirstOrThrow();
            // PostgreSQL's sum() of integers is a bigint, which pg returns as a string.
            return Number(row.total);
          },
        });
      }),
    listOrders: () =>
      db.withSchema(settings.schema).selectFrom('orders').select(columns).orderBy('id').execute(),
    // Ends the pool too (PostgresDialect ends the pool it was given).
    close: () => db.destroy(),
  };
}
