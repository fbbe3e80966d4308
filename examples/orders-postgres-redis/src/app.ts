import type { Dispatch } from '@dispatch/core';
import type { EntityManager, EntitySchema } from '@mikro-orm/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Order } from './order.js';
import { CreditLimitError, placeOrder } from './orders.js';

export interface AppOptions {
  em: EntityManager;
  entity: EntitySchema<Order>;
  dispatch: Dispatch;
  creditLimitCents: number;
  logger?: boolean;
}

interface CreateOrderBody {
  customer: string;
  totalCents: number;
}

/** The HTTP service: `POST /orders` saves an order and publishes `order.created` in its transaction. */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });

  app.post<{ Body: CreateOrderBody }>(
    '/orders',
    {
      // Checked before anything is written; the credit limit is checked after (see placeOrder).
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['customer', 'totalCents'],
          properties: {
            customer: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
            totalCents: { type: 'integer', minimum: 1, maximum: 100_000_000 },
          },
        },
      },
    },
    async (request, reply) => {
      try {
        const { order, eventId } = await placeOrder(
          options.em,
          options.entity,
          options.dispatch,
          request.body,
          options.creditLimitCents,
        );
        return reply.code(201).send({
          id: order.id,
          customer: order.customer,
          totalCents: order.totalCents,
          eventId,
        });
      } catch (error) {
        // Rolled back: neither the order nor its event exists.
        if (error instanceof CreditLimitError) return reply.code(422).send({ error: error.message });
        throw error;
      }
    },
  );

  app.get('/healthz', async () => ({ ok: true }));
  return app;
}
