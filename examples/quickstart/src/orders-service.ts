import type { Dispatch } from '@dispatch/core';
import type { EntityManager } from '@mikro-orm/core';
import { type Order, OrderSchema } from './order.js';

/**
 * Save an order and write its `order.created` event in ONE transaction: the event exists if and
 * only if the order does. A total of zero or less is refused after both writes, so the whole
 * transaction (order and event) rolls back.
 */
export async function placeOrder(
  em: EntityManager,
  dispatch: Dispatch,
  input: { customer: string; total: number },
): Promise<Order> {
  return em.fork().transactional(async (tx) => {
    const order = tx.create(OrderSchema, {
      customer: input.customer,
      total: input.total,
      createdAt: new Date(),
    });
    await tx.flush();
    await dispatch.publisher.publishEvent(
      {
        eventType: 'order.created',
        source: 'quickstart/orders',
        subject: `orders/${order.id}`,
        data: { orderId: order.id, customer: order.customer, total: order.total },
        // Events of one customer are published in the order they were written.
        key: `customer-${order.customer}`,
      },
      { transaction: tx },
    );
    if (input.total <= 0) throw new Error(`order for ${input.customer} refused: total must be positive`);
    return order;
  });
}
