import type { StoreConfig } from '@dispatch/core';

/** An order as the service reads and writes it, whichever ORM stores it. */
export interface Order {
  id: number;
  customer: string;
  totalCents: number;
}

export type NewOrder = Omit<Order, 'id'>;

/** The service's view of one open transaction of the chosen ORM. */
export interface OrdersTransaction {
  /** What `publishEvent(input, { transaction })` takes for this ORM: its own transaction handle. */
  readonly handle: unknown;
  insertOrder(order: NewOrder): Promise<Order>;
  /** The sum of the customer's orders as this transaction sees them (its own insert included). */
  customerTotalCents(customer: string): Promise<number>;
}

/** One data layer per ORM (`src/data/<orm>.ts`); the service is written against this only. */
export interface OrdersData {
  /**
   * The `OUTBOX_STORE` entry: this ORM's outbox store on this same connection pool, so the event
   * row and the order row go through one transaction. Every layer sets `requireTransaction`, so
   * an event published outside a transaction is an error rather than a write of its own.
   */
  readonly store: StoreConfig;
  /** Run `work` in one transaction, opened the way this ORM's store needs to see it commit. */
  transaction<T>(work: (tx: OrdersTransaction) => Promise<T>): Promise<T>;
  /** Every order, by id. */
  listOrders(): Promise<Order[]>;
  /** Close the ORM and its pool (the store never closes what it was given). */
  close(): Promise<void>;
}
