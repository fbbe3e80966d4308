import { MemoryBroker, memoryBackend } from '@dispatch/backend-memory';
import { createDispatch, defineConfig, type EventStatus } from '@dispatch/core';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import { createWorker } from '@dispatch/worker';
import { MikroORM } from '@mikro-orm/better-sqlite';
import { OrderSchema } from './order.js';
import { placeOrder } from './orders-service.js';

export interface QuickstartResult {
  /** Orders that committed, by id. */
  orders: { id: number; customer: string; total: number }[];
  /** What reached the stream, in order: the `cloud_event` of each entry. */
  published: { id: string; type: string; data: unknown }[];
  /** Outbox counts by status once the worker is done. */
  counts: Record<EventStatus, number>;
  /** Ids the `created` hook saw (only committed events). */
  created: string[];
}

/**
 * The whole path on an embedded SQLite file: save orders and their events in one transaction each
 * (one is refused and rolls back), then let the worker publish the outbox to the memory backend.
 */
export async function runQuickstart(
  databaseFile: string,
  print: (line: string) => void = () => {},
): Promise<QuickstartResult> {
  const orm = await MikroORM.init({ dbName: databaseFile, entities: [OrderSchema], debug: false });
  const broker = new MemoryBroker();
  const dispatch = await createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: memoryBackend, OPTIONS: { broker, stream_name: 'events' } } },
      OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm } },
      OUTBOX_WORKER: { BATCH_SIZE: 100, SLEEP_TIME: 1 },
      LOGGING: { LEVEL: 'warn' },
    }),
  );
  try {
    await orm.schema.updateSchema();
    await dispatch.store.migrate();
    const created: string[] = [];
    dispatch.hooks.on('created', (event) => {
      created.push(event.id);
    });

    print('Placing orders (each order and its event in one transaction)...');
    for (const input of [
      { customer: 'ada', total: 42 },
      { customer: 'grace', total: 17.5 },
      { customer: 'linus', total: 0 },
      { customer: 'ada', total: 8 },
    ]) {
      try {
        const order = await placeOrder(orm.em, dispatch, input);
        print(`  saved order #${order.id} for ${order.customer} (${order.total})`);
      } catch (error) {
        print(`  rolled back: ${(error as Error).message}`);
      }
    }
    const pending = await dispatch.store.stats();
    print(`Outbox before the worker: ${formatCounts(pending.counts)}`);

    print('Running the worker until the outbox is drained...');
    const worker = createWorker(dispatch, { cleanup: false, wakeUps: false, statsInterval: 0 });
    for (;;) {
      const report = await worker.runOnce();
      if (report.claimed === 0) break;
      print(`  batch: claimed ${report.claimed}, published ${report.published}`);
    }
    await worker.stop();

    const published = broker
      .cloudEvents('events')
      .map((event) => ({ id: event.id, type: event.type, data: event.data }));
    print('Published to stream "events":');
    for (const event of published) print(`  ${event.type} ${JSON.stringify(event.data)}`);
    const { counts } = await dispatch.store.stats();
    print(`Outbox after the worker: ${formatCounts(counts)}`);

    const orders = (await orm.em.fork().find(OrderSchema, {}, { orderBy: { id: 'asc' } })).map(
      ({ id, customer, total }) => ({ id, customer, total }),
    );
    return { orders, published, counts, created };
  } finally {
    await dispatch.close();
    await orm.close();
  }
}

function formatCounts(counts: Record<EventStatus, number>): string {
  return Object.entries(counts)
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');
}
