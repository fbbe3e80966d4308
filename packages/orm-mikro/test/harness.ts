import { createDispatch, type Dispatch, defineBackend, defineConfig, published } from '@dispatch/core';
import { EntitySchema, type MikroORM } from '@mikro-orm/core';
import { mikroOrmStore } from '../src/index.js';

export interface Order {
  id: number;
  customer: string;
}

/** A business entity on its own table, so tests can check it commits and rolls back with the event. */
export function orderEntity(tableName: string): EntitySchema<Order> {
  return new EntitySchema<Order>({
    name: 'Order',
    tableName,
    properties: {
      id: { type: 'number', primary: true, autoincrement: true },
      customer: { type: 'string' },
    },
  });
}

/** A backend that accepts everything: these tests are about the store. */
export const acceptAll = defineBackend({
  type: 'accept-all',
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});

export async function dispatchFor(
  orm: MikroORM,
  tableName: string,
  extra: { requireTransaction?: boolean } = {},
): Promise<Dispatch> {
  const dispatch = await createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
      OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName, ...extra } },
      LOGGING: { LEVEL: 'silent' },
    }),
  );
  await dispatch.store.migrate();
  return dispatch;
}
