import type { Dispatch } from '@dispatch/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type Order, orderEntity } from './db.js';
import type { Settings } from './settings.js';

/** The `data` of every `order.created` event. Consumers rely on these names. */
export interface OrderCreated {
  orderId: number;
  customerId: string;
  totalCents: number;
}

/**
 * Insert the order and write its `order.created` event in ONE transaction: the event exists if and
 * only if the order does. Nothing here knows which broker the worker will publish it to.
 */
export async function createOrder(
  orm: MikroORM,
  dispatch: Dispatch,
  settings: Settings,
  input: { customerId: string; totalCents: number },
): Promise<{ order: Order; eventId: string }> {
  if (!Number.isInteger(input.totalCents) || input.totalCents <= 0) {
    throw new RangeError(`totalCents must be a positive integer, not ${input.totalCents}`);
  }
  const entity = orderEntity(settings);
  return orm.em.fork().transactional(async (em) => {
    const row = em.create(entity, input);
    // The insert is a unit-of-work change: flush it so the id exists before the event is written.
    await em.flush();
    const order: Order = { id: row.id, customerId: row.customerId, totalCents: row.totalCents };
    const event = await dispatch.publisher.publishEvent(
      {
        eventType: 'order.created',
        source: 'switch-broker',
        subject: `orders/${order.id}`,
        data: {
          orderId: order.id,
          customerId: order.customerId,
          totalCents: order.totalCents,
        } satisfies OrderCreated,
        // Every backend keeps one key's events in commit order: here, each customer's orders.
        key: order.customerId,
      },
      { transaction: em },
    );
    return { order, eventId: event.id };
  });
}
