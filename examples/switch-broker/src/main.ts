// `BROKER=<redis|nats|rabbitmq> pnpm start`: create the tables, open the broker's consumer, create a
// few orders (each writes its order.created event in the same transaction), publish them with the
// worker until the outbox is drained, and print what the consumer read back.
import { createDispatch } from '@dispatch/core';
import { createWorker } from '@dispatch/worker';
import { openConsumer } from './consumers/index.js';
import { createOrdersTable, openOrm } from './db.js';
import { dispatchConfig } from './dispatch-config.js';
import { runUntilDrained } from './drain.js';
import { createOrder } from './orders.js';
import { settingsFromEnv } from './settings.js';

const settings = settingsFromEnv();
const orm = await openOrm(settings);
const dispatch = await createDispatch(dispatchConfig(orm, settings));
try {
  await dispatch.store.migrate(); // what `dispatch migrate` runs
  await createOrdersTable(orm, settings);
  console.log(
    `BROKER=${settings.broker}: tables ${settings.schema}.orders and ${settings.schema}.outbox_events`,
  );
  // Before publishing: RabbitMQ needs the queue bound, or the events would have nowhere to go.
  const consumer = await openConsumer(settings);
  try {
    const eventIds = new Set<string>();
    for (const [customerId, totalCents] of [
      ['cust-1', 4200],
      ['cust-2', 1750],
      ['cust-1', 800],
      ['cust-3', 12_000],
      ['cust-2', 300],
    ] as const) {
      const { order, eventId } = await createOrder(orm, dispatch, settings, { customerId, totalCents });
      eventIds.add(eventId);
      console.log(`created order #${order.id} for ${customerId} (${totalCents} cents), event ${eventId}`);
    }

    await runUntilDrained(dispatch, createWorker(dispatch, { cleanup: false, statsInterval: 0 }));
    console.log(`read back from ${settings.broker}:`);
    let missing = eventIds.size;
    while (missing > 0) {
      const events = await consumer.read(missing);
      if (events.length === 0) throw new Error(`${missing} events did not arrive`);
      for (const event of events) {
        // A broker that keeps its messages may still hold an earlier run's: show only this run's.
        if (!eventIds.has(event.eventId)) continue;
        missing -= 1;
        console.log(
          `  ${event.position} ${event.eventType} key=${event.key} ${JSON.stringify(event.cloudEvent.data)}`,
        );
      }
    }
  } finally {
    await consumer.close();
  }
} finally {
  await dispatch.close();
  await orm.close();
}
