import type { Dispatch } from '@dispatch/core';
import type { EntityManager, EntitySchema } from '@mikro-orm/core';
import type { Order } from './order.js';

/** The `data` of every `order.created` event. Consumers rely on these names. */
export interface OrderCreated {
  orderId: number;
  customer: string;
  totalCents: number;
}

export class CreditLimitError extends Error {
  constructor(customer: string, limitCents: number) {
    super(`order refused: ${customer} would exceed the credit limit of ${limitCents} cents`);
    this.name = 'CreditLimitError';
  }
}

/**
 * Save an order and write its `order.created` event in ONE transaction: the event exists if and only
 * if the order does. The credit check runs after both writes (it needs the customer's total, this
 * order included), so a refusal rolls the order and its event back together.
 */
export async function placeOrder(
  em: EntityManager,
  entity: EntitySchema<Order>,
  dispatch: Dispatch,
  input: { customer: string; totalCents: number },
  creditLimitCents: number,
): Promise<{ order: Order; eventId: string }> {
  return em.fork().transactional(async (tx) => {
    const order = tx.create(entity, { ...input, createdAt: new Date() });
    await tx.flush();
    const event = await dispatch.publisher.publishEvent(
      {
        eventType: 'order.created',
        source: 'orders-service',
        subject: `orders/${order.id}`,
        data: {
          orderId: order.id,
          customer: order.customer,
          totalCents: order.totalCents,
        } satisfies OrderCreated,
        // Events of one customer reach the stream one at a time, in the order they were written.
        key: `customer-${order.customer}`,
      },
      { transaction: tx },
    );
    const orders = await tx.find(entity, { customer: input.customer });
    const total = orders.reduce((sum, o) => sum + o.totalCents, 0);
    if (total > creditLimitCents) throw new CreditLimitError(input.customer, creditLimitCents);
    return { order, eventId: event.id };
  });
}
