import { prismaStore, withOutboxTransaction } from '@dispatch/orm-prisma';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { outboxTable, type Settings } from '../settings.js';
import { openPool } from './pg-pool.js';
import type { OrdersData } from './types.js';

/**
 * Prisma 7 on `@prisma/adapter-pg`: the transaction is opened with the store's
 * `withOutboxTransaction` (a `$transaction` whose commit the store can see); its `tx` is the
 * transaction. The pool also goes to the store, for LISTEN/NOTIFY wake-ups.
 */
export async function open(settings: Settings): Promise<OrdersData> {
  const pool = openPool(settings);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema: settings.schema }) });
  const select = { id: true, customer: true, totalCents: true } as const;
  return {
    store: {
      STORE: prismaStore,
      OPTIONS: { prisma, pgPool: pool, tableName: outboxTable(settings), requireTransaction: true },
    },
    transaction: (work) =>
      withOutboxTransaction(prisma, (tx) =>
        work({
          handle: tx,
          insertOrder: (order) => tx.order.create({ data: order, select }),
          async customerTotalCents(customer) {
            const { _sum } = await tx.order.aggregate({ _sum: { totalCents: true }, where: { customer } });
            return _sum.totalCents ?? 0;
          },
        }),
      ),
    listOrders: () => prisma.order.findMany({ select, orderBy: { id: 'asc' } }),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
