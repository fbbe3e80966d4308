import type { DispatchConfig } from '@dispatch/core';
import { runDemo } from './demo.js';

// dispatch.config.ts points high_priority at redis.example.com, as the seed's page does; this demo
// sends it to the local Redis instead so that every event can be published and read back.
const localHighPriority = (config: DispatchConfig): DispatchConfig => {
  const highPriority = config.OUTBOX_PUBLISHERS.high_priority;
  if (!highPriority) return config;
  return {
    ...config,
    OUTBOX_PUBLISHERS: {
      ...config.OUTBOX_PUBLISHERS,
      high_priority: {
        ...highPriority,
        OPTIONS: {
          ...highPriority.OPTIONS,
          host: process.env.REDIS_HOST ?? 'localhost',
          port: Number(process.env.REDIS_PORT ?? 6379),
        },
      },
    },
  };
};

// A CloudEvent id is written once (a second publish of it is skipped): use a new order per run.
const orderId = String(Date.now());
const result = await runDemo({ override: localHighPriority, orderId, print: (line) => console.log(line) });
const total = Object.values(result.read).reduce((sum, events) => sum + events.length, 0);
console.log(`\nThe seed-format consumer read ${total} of ${result.published.length} published events.`);
