import type { Dispatch, NewEvent } from '@dispatch/core';
import type { EntityManager } from '@mikro-orm/core';

/**
 * The configuration page's publishing snippet:
 *
 *   from django_dispatch.publishers import publisher
 *
 *   publisher.publish_event(
 *       event_type='user.created',
 *       source='user-service',
 *       data={'user_id': 123},
 *       backend='high_priority'  # Specify the backend
 *   )
 *
 * The seed's `backend` argument is `publisher` here (`backend` still works, deprecated). The seed
 * joined Django's current transaction implicitly; here the transaction's EntityManager is passed
 * (leaving it out joins MikroORM's ambient transaction, or writes on its own).
 */
export function publishUserCreated(dispatch: Dispatch, em: EntityManager, userId: number): Promise<NewEvent> {
  return dispatch.publisher.publishEvent(
    {
      eventType: 'user.created',
      source: 'user-service',
      data: { user_id: userId },
      publisher: 'high_priority', // Specify the publisher (the seed's backend=)
    },
    { transaction: em },
  );
}

/**
 * Every other argument of `publish_event(event_type, source, data=None, subject="", backend=None,
 * scheduled_at=None, max_retries=3, publisher_config=None)`, in its new form.
 */
export function publishWithEveryArgument(dispatch: Dispatch, em: EntityManager): Promise<NewEvent> {
  return dispatch.publisher.publishEvent(
    {
      eventType: 'user.updated', // event_type
      source: 'user-service', // source
      data: { user_id: 123, email: 'ada@example.com' }, // data
      subject: 'users/123', // subject ('' in the seed meant none: leave it out)
      publisher: 'default', // backend (None: the publisher named default)
      scheduledAt: new Date(Date.now() - 1000), // scheduled_at (not published before it)
      // max_retries: retries after the first attempt (the seed's 3 attempts = 2 here).
      maxRetries: 2,
      // publisher_config: extra top-level stream fields. Scalars only, never a reserved name
      // (event_id, cloud_event, ...), so they can no longer overwrite what consumers rely on.
      fields: { tenant: 'acme', priority: 5 },
      // New: events sharing a key are published one at a time, in the order they were written.
      // A seed consumer sees it as one more extra field, `key`.
      key: 'user-123',
    },
    { transaction: em },
  );
}

/**
 * `publisher.publish_cloud_event(cloud_event, ...)`: every attribute is kept (the seed dropped
 * datacontenttype, dataschema and specversion), and its id becomes the event id, so publishing the
 * same CloudEvent twice writes it once.
 */
export function publishOrderCloudEvent(
  dispatch: Dispatch,
  em: EntityManager,
  orderId: string,
): Promise<NewEvent> {
  return dispatch.publisher.publishCloudEvent(
    {
      specversion: '1.0',
      id: `order-${orderId}-created`,
      source: 'https://shop.example.com/orders',
      type: 'order.created',
      time: '2026-11-27T12:00:00.000Z',
      subject: `orders/${orderId}`,
      datacontenttype: 'application/json',
      dataschema: 'https://shop.example.com/schemas/order-created.json',
      data: { order_id: orderId, lines: [{ sku: 'A-1', quantity: 2 }] },
      tenant: 'acme', // a CloudEvents extension attribute
    },
    { transaction: em, fields: { channel: 'web' } },
  );
}
