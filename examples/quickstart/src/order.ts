import { EntitySchema } from '@mikro-orm/core';

export interface Order {
  id: number;
  customer: string;
  total: number;
  createdAt: Date;
}

/** The business table of the example: plain MikroORM, nothing Dispatch-specific. */
export const OrderSchema = new EntitySchema<Order>({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: { type: 'number', primary: true, autoincrement: true },
    customer: { type: 'string' },
    total: { type: 'number' },
    createdAt: { type: 'Date', onCreate: () => new Date() },
  },
});
