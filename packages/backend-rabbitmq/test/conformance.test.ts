import { fileURLToPath } from 'node:url';
import { runBackendConformance } from '@dispatch/core/testing';
import { rabbitmqBackend } from '../src/index.js';
import { Inspector, randomName, SHARED_URL, wireFields } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

for (const mode of ['structured', 'binary'] as const) {
  let inspector: Inspector;
  let queue = '';

  runBackendConformance({
    name: `rabbitmq (${mode})`,
    backend: async () => {
      const exchange = await inspector.exchange(randomName(`conformance-${mode}`));
      queue = await inspector.queue(exchange);
      return {
        definition: rabbitmqBackend,
        options: { url: SHARED_URL, exchange, cloud_event_mode: mode },
      };
    },
    entry: { module: () => import('../src/index.js'), specifier: './src/index.ts', from: packageDir },
    // The messages as they sit in the bound queue, in queue order.
    readBack: async (events) => {
      const ids = new Set(events.map((event) => event.id));
      const messages = await inspector.take(queue);
      return messages.map(wireFields).filter((fields) => ids.has(fields.event_id ?? ''));
    },
    // RabbitMQ has no deduplication: a re-published event is a second message.
    setup: async () => {
      inspector = await Inspector.open();
    },
    teardown: async () => {
      await inspector.close();
    },
  });
}
