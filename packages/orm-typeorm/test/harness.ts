import { createDispatch, type Dispatch, defineBackend, defineConfig, published } from '@dispatch/core';
import { EntitySchema } from 'typeorm';
import { type TypeOrmStoreOptions, typeormStore } from '../src/index.js';

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
  dataSource: unknown,
  tableName: string,
  extra: { requireTransaction?: boolean } = {},
): Promise<Dispatch> {
  const dispatch = await createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
      OUTBOX_STORE: {
        STORE: typeormStore,
        OPTIONS: { dataSource: dataSource as TypeOrmStoreOptions['dataSource'], tableName, ...extra },
      },
      LOGGING: { LEVEL: 'silent' },
    }),
  );
  await dispatch.store.migrate();
  return dispatch;
}

export interface Order {
  id: number;
  customer: string;
}

/** A business entity, so tests can check it commits and rolls back with the event. */
export function orderEntity(tableName: string): EntitySchema<Order> {
  return new EntitySchema<Order>({
    name: `Order_${tableName}`,
    tableName,
    columns: {
      id: { type: 'int', primary: true, generated: 'increment' },
      customer: { type: 'varchar', length: 64 },
    },
  });
}

export const event = (customer: string) => ({
  eventType: 'order.created',
  source: 'tests',
  data: { customer },
});
