import type { Dispatch } from '@dispatch/core';
import type { NewOrder, Order, OrdersData } from './data/index.js';

/** The `data` of every `order.placed` event. Consumers rely on these names. */
export interface OrderPlaced {
  orderId: number;
  customer: string;
  totalCents: number;
}

export class OrderRefusedError extends Error {
  constructor(customer: string, limitCents: number) {
    super(`order refused: ${customer} would exceed the credit limit of ${limitCents} cents`);
    this.name = 'OrderRefusedError';
  }
}

/**
 * Insert the order and write its `order.placed` event in ONE transaction of whichever ORM `data`
 * is: the event exists if and only if the order does. The credit check runs after both writes (it
 * needs the customer's total, this order included), so a refused order rolls back with its event.
 * Nothing here knows the ORM: only `tx.handle`, passed as `transaction`, is the ORM's own object.
 */
export async function placeOrder(
  data: OrdersData,
  dispatch: Dispatch,
  input: NewOrder,
  creditLimitCents: number,
): Promise<{ order: Order; eventId: string }> {
  if (!Number.isInteger(input.totalCents) || input.totalCents <= 0) {
    throw new RangeError(`totalCents must be a positive integer, not ${input.totalCents}`);
  }
  return data.transaction(async (tx) => {
    const order = await tx.insertOrder(input);
    const event = await dispatch.publisher.publishEvent(
      {
        eventType: 'order.placed',
        source: 'swap-orm',
        subject: `orders/${order.id}`,
        data: {
          orderId: order.id,
          customer: order.customer,
          totalCents: order.totalCents,
        } satisfies OrderPlaced,
        // Events of one customer reach the stream one at a time, in the order they were written.
        key: `customer-${order.customer}`,
      },
      { transaction: tx.handle },
    );
    if ((await tx.customerTotalCents(order.customer)) > creditLimitCents) {
      throw new OrderRefusedError(order.customer, creditLimitCents);
    }
    return { order, eventId: event.id };
  });
}
