// `ORM=<mikro|prisma|drizzle|kysely|typeorm> pnpm start`: create the tables, place a few orders
// through the chosen data layer (one refused), publish them with the worker until the outbox is
// drained, and print the stream entries this run wrote.
import { createDispatch } from '@dispatch/core';
import { createWorker } from '@dispatch/worker';
import { Redis } from 'ioredis';
import { openData } from './data/index.js';
import { dispatchConfig } from './dispatch-config.js';
import { runUntilDrained } from './drain.js';
import { OrderRefusedError, placeOrder } from './orders.js';
import { createOrdersTable } from './schema.js';
import { settingsFromEnv } from './settings.js';
import { readStream } from './stream.js';

const settings = settingsFromEnv();
const data = await openData(settings);
const dispatch = await createDispatch(dispatchConfig(data, settings));
const redis = new Redis(settings.redisUrl);
try {
  await dispatch.store.migrate(); // what `dispatch migrate` runs
  await createOrdersTable(settings);
  console.log(`ORM=${settings.orm}: tables ${settings.schema}.orders and ${settings.schema}.outbox_events`);

  const eventIds = new Set<string>();
  for (const input of [
    { customer: 'ada', totalCents: 4200 },
    { customer: 'grace', totalCents: 1750 },
    { customer: 'linus', totalCents: settings.creditLimitCents + 1 },
    { customer: 'ada', totalCents: 800 },
  ]) {
    try {
      const { order, eventId } = await placeOrder(data, dispatch, input, settings.creditLimitCents);
      eventIds.add(eventId);
      console.log(
        `placed order #${order.id} for ${order.customer} (${order.totalCents} cents), event ${eventId}`,
      );
    } catch (error) {
      if (!(error instanceof OrderRefusedError)) throw error;
      console.log(`${error.message}: no order row, no event`);
    }
  }

  await runUntilDrained(dispatch, createWorker(dispatch, { cleanup: false, statsInterval: 0 }));
  console.log(`stream ${settings.stream}, this run's entries:`);
  for (const entry of await readStream(redis, settings.stream)) {
    if (!eventIds.has(entry.eventId)) continue;
    console.log(`  ${entry.entryId} ${entry.type} key=${entry.key} ${JSON.stringify(entry.data)}`);
  }
} finally {
  await dispatch.close();
  await data.close();
  await redis.quit();
}
