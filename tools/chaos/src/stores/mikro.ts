import type { StoreDefinition } from '@dispatch/core';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import { EntitySchema, MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import {
  advanceKeySql,
  importUrl,
  type LedgerRow,
  type OrderRow,
  type StoreKit,
  writeBusiness,
} from './store-kit.js';

/** MikroORM: `em.transactional`, the order and ledger rows as entities, `{ transaction: em }`. */
export const mikroKit: StoreKit = {
  async open({ pgUrl, names, poolSize }) {
    const OrderSchema = new EntitySchema<OrderRow>({
      name: 'ChaosOrder',
      tableName: names.orders,
      properties: {
        id: { type: 'string', primary: true },
        producer: { type: 'integer' },
        amount: { type: 'integer' },
      },
    });
    const LedgerSchema = new EntitySchema<LedgerRow>({
      name: 'ChaosLedgerEntry',
      tableName: names.ledger,
      properties: {
        eventId: { type: 'string', primary: true },
        orderId: { type: 'string' },
        eventType: { type: 'string' },
        orderingKey: { type: 'string', nullable: true },
        keyPosition: { type: 'integer', nullable: true },
        producer: { type: 'integer' },
      },
    });
    const orm = await MikroORM.init({
      driver: PostgreSqlDriver,
      clientUrl: pgUrl,
      entities: [OrderSchema, LedgerSchema],
      allowGlobalContext: false,
      pool: { min: 0, max: poolSize },
    });
    return {
      store: {
        STORE: mikroOrmStore as StoreDefinition<never>,
        OPTIONS: { orm, tableName: names.outbox },
      },
      async write(dispatch, plan) {
        await orm.em.fork().transactional((em) =>
          writeBusiness(dispatch, plan, em, {
            // Persisted now, flushed with the ledger rows.
            insertOrder: (order) => em.persist(em.create(OrderSchema, order)),
            async advanceKey(key, count) {
              const sql = advanceKeySql(names, '?', '?');
              const rows = await em.execute<{ position: string }[]>(sql, [key, count]);
              return Number(rows[0]?.position);
            },
            async insertLedger(rows) {
              for (const row of rows) em.persist(em.create(LedgerSchema, row));
              await em.flush();
            },
          }),
        );
      },
      close: () => orm.close(true),
    };
  },
  workerConfig: ({ pgUrl, names }) => ({
    imports: [
      `import { MikroORM } from ${importUrl('@mikro-orm/core')};`,
      `import { PostgreSqlDriver } from ${importUrl('@mikro-orm/postgresql')};`,
      `import mikroOrmStore from ${importUrl('@dispatch/orm-mikro')};`,
    ],
    setup: `const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: ${JSON.stringify(pgUrl)},
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    // Connect on first use: a replacement worker that starts while PostgreSQL restarts must not
    // die in MikroORM.init (the worker itself backs off and retries the store).
    connect: false,
    pool: { min: 0, max: 4 },
  });
  return { STORE: mikroOrmStore, OPTIONS: { orm, tableName: ${JSON.stringify(names.outbox)} } };`,
  }),
};
