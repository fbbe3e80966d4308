import 'reflect-metadata';
import type { StoreDefinition } from '@dispatch/core';
import { typeormStore } from '@dispatch/orm-typeorm';
import { DataSource, EntitySchema } from 'typeorm';
import {
  advanceKeySql,
  importUrl,
  type LedgerRow,
  type OrderRow,
  type StoreKit,
  writeBusiness,
} from './store-kit.js';

/**
 * TypeORM reaches PostgreSQL through a `pg` Pool it keeps to itself: the same handlers as the
 * other kits (see `quietOnRestart`), set on it once the DataSource is initialized.
 */
function quietPoolOf(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master?: import('pg').Pool }).master;
  pool?.on('error', () => undefined);
  pool?.on('connect', (client) => client.on('error', () => undefined));
}

/** TypeORM on `pg`: `dataSource.transaction`, entities for the order and ledger, `{ transaction: manager }`. */
export const typeormKit: StoreKit = {
  async open({ pgUrl, names, poolSize }) {
    const OrderSchema = new EntitySchema<OrderRow>({
      name: 'ChaosOrder',
      tableName: names.orders,
      columns: {
        id: { type: 'varchar', primary: true },
        producer: { type: 'integer' },
        amount: { type: 'integer' },
      },
    });
    const LedgerSchema = new EntitySchema<LedgerRow>({
      name: 'ChaosLedgerEntry',
      tableName: names.ledger,
      columns: {
        eventId: { type: 'varchar', primary: true, name: 'event_id' },
        orderId: { type: 'varchar', name: 'order_id' },
        eventType: { type: 'varchar', name: 'event_type' },
        orderingKey: { type: 'varchar', name: 'ordering_key', nullable: true },
        keyPosition: { type: 'bigint', name: 'key_position', nullable: true },
        producer: { type: 'integer' },
      },
    });
    const dataSource = new DataSource({
      type: 'postgres',
      url: pgUrl,
      entities: [OrderSchema, LedgerSchema],
      poolSize,
    });
    await dataSource.initialize();
    quietPoolOf(dataSource);
    return {
      store: {
        STORE: typeormStore as StoreDefinition<never>,
        OPTIONS: { dataSource, tableName: names.outbox },
      },
      async write(dispatch, plan) {
        await dataSource.transaction((manager) =>
          writeBusiness(dispatch, plan, manager, {
            insertOrder: (order) => manager.insert(OrderSchema, order),
            async advanceKey(key, count) {
              const sql = advanceKeySql(names, '$1', '$2');
              const rows = (await manager.query(sql, [key, count])) as { position: string }[];
              return Number(rows[0]?.position);
            },
            insertLedger: (rows) => manager.insert(LedgerSchema, rows),
          }),
        );
      },
      close: () => dataSource.destroy(),
    };
  },
  workerConfig: ({ pgUrl, names }) => ({
    imports: [
      `import ${importUrl('reflect-metadata')};`,
      `import { DataSource } from ${importUrl('typeorm')};`,
      `import typeormStore from ${importUrl('@dispatch/orm-typeorm')};`,
    ],
    setup: `const dataSource = new DataSource({ type: 'postgres', url: ${JSON.stringify(pgUrl)}, entities: [], poolSize: 4 });
  // initialize() connects: a replacement worker may start while PostgreSQL restarts, so it retries
  // for a minute instead of dying (the worker itself backs off on later store errors).
  for (let deadline = Date.now() + 60_000; ; ) {
    try {
      await dataSource.initialize();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const pool = dataSource.driver.master;
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { STORE: typeormStore, OPTIONS: { dataSource, tableName: ${JSON.stringify(names.outbox)} } };`,
  }),
};
