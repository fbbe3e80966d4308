import { describe, expectTypeOf, it } from 'vitest';
import { withOutboxTransaction } from '../src/index.js';
import type { Prisma, PrismaClient } from './generated/postgresql/client/client.js';

// Compile-time checks (the package's typecheck runs them): the wrapper hands out Prisma's own tx type.
describe('types', () => {
  it('gives the callback Prisma’s transaction client, and takes the options of $transaction', () => {
    const plain = (prisma: PrismaClient) =>
      withOutboxTransaction(
        prisma,
        async (tx) => {
          expectTypeOf(tx).not.toBeAny();
          expectTypeOf(tx).toEqualTypeOf<Prisma.TransactionClient>();
          const order = await tx.order.create({ data: { customer: 'c' } });
          expectTypeOf(order.id).toEqualTypeOf<number>();
          return order.id;
        },
        { isolationLevel: 'Serializable', timeout: 10_000 },
      );
    expectTypeOf(plain).returns.toEqualTypeOf<Promise<number>>();
    const nested = (prisma: PrismaClient) =>
      withOutboxTransaction(prisma, (tx) =>
        withOutboxTransaction(tx, async (inner) => expectTypeOf(inner).not.toBeAny()),
      );
    const extended = (prisma: PrismaClient) => {
      const client = prisma.$extends({ model: { order: { label: () => 'order' } } });
      return withOutboxTransaction(client, async (tx) => tx.order.label());
    };
    expectTypeOf(extended).returns.toEqualTypeOf<Promise<'order'>>();
    const wrongOptions = (prisma: PrismaClient) =>
      // @ts-expect-error: not an isolation level of Prisma's.
      withOutboxTransaction(prisma, async () => {}, { isolationLevel: 'read committed' });
    void [nested, wrongOptions];
  });
});
