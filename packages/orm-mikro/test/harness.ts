import type { Dispatch } from '@dispatch/core';
import { dispatchOnStore } from '@dispatch/test-services/store-dispatch';
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

export async function dispatchFor(
  orm: MikroORM,
  tableName: string,
  extra: { requireTransaction?: boolean } = {},
): Promise<Dispatch> {
  return dispatchOnStore(mikroOrmStore, { orm, tableName, ...extra });
}
