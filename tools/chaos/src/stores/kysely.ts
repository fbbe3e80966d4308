import type { StoreDefinition } from '@dispatch/core';
import { kyselyStore, withOutboxTransaction } from '@dispatch/orm-kysely';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  importUrl,
  type LedgerRow,
  type OrderRow,
  quietOnRestart,
  type StoreKit,
  writeBusiness,
} from './store-kit.js';

interface LedgerColumns {
  event_id: string;
  order_id: string;
  event_type: string;
  ordering_key: string | null;
  key_position: number | null;
  producer: number;
}
interface KeyPositionRow {
  ordering_key: string;
  position: number;
}

/** A transaction typed for one table of the run (their names differ per run, so no fixed schema type). */
const on = <Row>(trx: unknown) => trx as Kysely<Record<string, Row>>;

const ledgerColumns = (row: LedgerRow): LedgerColumns => ({
  event_id: row.eventId,
  order_id: row.orderId,
  event_type: row.eventType,
  ordering_key: row.orderingKey,
  key_position: row.keyPosition,
  producer: row.producer,
});

/** Kysely on `pg`: `withOutboxTransaction`, the query builder, `{ transaction: trx }`. */
export const kyselyKit: StoreKit = {
  async open({ pgUrl, names, poolSize }) {
    const pool = new pg.Pool({ connectionString: pgUrl, max: poolSize });
    quietOnRestart(pool);
    const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
    return {
      store: {
        STORE: kyselyStore as StoreDefinition<never>,
        OPTIONS: { db, pgPool: pool, tableName: names.outbox },
      },
      async write(dispatch, plan) {
        await withOutboxTransaction(db, (trx) =>
          writeBusiness(dispatch, plan, trx, {
            insertOrder: (order) => on<OrderRow>(trx).insertInto(names.orders).values(order).execute(),
            async advanceKey(key, count) {
              const row = await on<KeyPositionRow>(trx)
                .insertInto(names.keyPositions)
                .values({ ordering_key: key, position: count })
                .onConflict((conflict) =>
                  conflict.column('ordering_key').doUpdateSet((eb) => ({
                    position: eb(eb.ref(`${names.keyPositions}.position`), '+', count),
                  })),
                )
                .returning('position')
                .executeTakeFirstOrThrow();
              return Number(row.position);
            },
            insertLedger: (rows) =>
              on<LedgerColumns>(trx).insertInto(names.ledger).values(rows.map(ledgerColumns)).execute(),
          }),
        );
      },
      async close() {
        await db.destroy();
      },
    };
  },
  workerConfig: ({ pgUrl, names }) => ({
    imports: [
      `import pg from ${importUrl('pg')};`,
      `import { Kysely, PostgresDialect } from ${importUrl('kysely')};`,
      `import kyselyStore from ${importUrl('@dispatch/orm-kysely')};`,
    ],
    setup: `const pool = new pg.Pool({ connectionString: ${JSON.stringify(pgUrl)}, max: 4 });
  // A PostgreSQL restart ends every connection; an 'error' event nobody handles ends the worker.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return { STORE: kyselyStore, OPTIONS: { db, pgPool: pool, tableName: ${JSON.stringify(names.outbox)} } };`,
  }),
};
