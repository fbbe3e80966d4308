import type { StoreDefinition } from '@dispatch/core';
import { drizzleStore, withOutboxTransaction } from '@dispatch/orm-drizzle';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { bigint, integer, pgTable, varchar } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { importUrl, quietOnRestart, type StoreKit, writeBusiness } from './store-kit.js';

/** Drizzle on node-postgres: `withOutboxTransaction`, the query builders, `{ transaction: tx }`. */
export const drizzleKit: StoreKit = {
  async open({ pgUrl, names, poolSize }) {
    const orders = pgTable(names.orders, {
      id: varchar('id', { length: 64 }).primaryKey(),
      producer: integer('producer').notNull(),
      amount: integer('amount').notNull(),
    });
    const ledger = pgTable(names.ledger, {
      eventId: varchar('event_id', { length: 128 }).primaryKey(),
      orderId: varchar('order_id', { length: 64 }).notNull(),
      eventType: varchar('event_type', { length: 255 }).notNull(),
      orderingKey: varchar('ordering_key', { length: 255 }),
      keyPosition: bigint('key_position', { mode: 'number' }),
      producer: integer('producer').notNull(),
    });
    const keyPositions = pgTable(names.keyPositions, {
      orderingKey: varchar('ordering_key', { length: 255 }).primaryKey(),
      position: bigint('position', { mode: 'number' }).notNull(),
    });
    const pool = new pg.Pool({ connectionString: pgUrl, max: poolSize });
    quietOnRestart(pool);
    const db = drizzle(pool);
    return {
      store: { STORE: drizzleStore as StoreDefinition<never>, OPTIONS: { db, tableName: names.outbox } },
      async write(dispatch, plan) {
        await withOutboxTransaction(db, (tx) =>
          writeBusiness(dispatch, plan, tx, {
            insertOrder: (order) => tx.insert(orders).values(order),
            async advanceKey(key, count) {
              const [row] = await tx
                .insert(keyPositions)
                .values({ orderingKey: key, position: count })
                .onConflictDoUpdate({
                  target: keyPositions.orderingKey,
                  set: { position: sql`${keyPositions.position} + ${count}` },
                })
                .returning({ position: keyPositions.position });
              return Number(row?.position);
            },
            insertLedger: (rows) => tx.insert(ledger).values(rows),
          }),
        );
      },
      close: () => pool.end(),
    };
  },
  workerConfig: ({ pgUrl, names }) => ({
    imports: [
      `import pg from ${importUrl('pg')};`,
      `import { drizzle } from ${importUrl('drizzle-orm/node-postgres')};`,
      `import drizzleStore from ${importUrl('@dispatch/orm-drizzle')};`,
    ],
    setup: `const pool = new pg.Pool({ connectionString: ${JSON.stringify(pgUrl)}, max: 4 });
  // A PostgreSQL restart ends every connection; an 'error' event nobody handles ends the worker.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { STORE: drizzleStore, OPTIONS: { db: drizzle(pool), tableName: ${JSON.stringify(names.outbox)} } };`,
  }),
};
