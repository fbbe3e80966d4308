import { EntitySchema } from '@mikro-orm/core';

export interface Order {
  id: number;
  customer: string;
  totalCents: number;
  createdAt: Date;
}

/** The business entity: plain MikroORM, nothing Dispatch-specific. The table name is a setting so tests can use their own. */
export function orderEntity(tableName: string): EntitySchema<Order> {
  return new EntitySchema<Order>({
    name: 'Order',
    tableName,
    properties: {
      id: { type: 'number', primary: true, autoincrement: true },
      customer: { type: 'string' },
      totalCents: { type: 'number' },
      createdAt: { type: 'Date', onCreate: () => new Date() },
    },
  });
}
