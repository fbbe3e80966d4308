// The consumer as its own process (started by `pnpm start`, or alone: `tsx src/consumer-main.ts`).
import { Redis } from 'ioredis';
import { type ReceivedEvent, StreamConsumer } from './consumer.js';
import type { OrderCreated } from './orders.js';
import { settingsFromEnv } from './settings.js';

const settings = settingsFromEnv();
const redis = new Redis(settings.redisUrl);

/** What this consumer does with an order: here, say so. Anything idempotent by event id works. */
function ship(event: ReceivedEvent): void {
  if (event.eventType !== 'order.created') return; // not ours; acknowledged all the same
  const order = event.cloudEvent.data as OrderCreated;
  console.log(
    `order #${order.orderId} for ${order.customer} (${(order.totalCents / 100).toFixed(2)}) ` +
      `event_id=${event.eventId} entry=${event.entryId}`,
  );
}

const consumer = new StreamConsumer({
  redis,
  stream: settings.stream,
  group: settings.group,
  consumer: settings.consumer,
  processedKey: settings.processedKey,
  handle: ship,
  log: (line) => console.log(line),
});

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  consumer
    .stop()
    .then(() => redis.quit())
    .then(
      () => console.log(`stopped (${JSON.stringify(consumer.stats)})`),
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

console.log(`reading ${settings.stream} as ${settings.consumer} in group ${settings.group}`);
await consumer.run();
