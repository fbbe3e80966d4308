import { runBackendConformance } from '@dispatch/core/testing';
import webhookBackend from '../src/webhook-backend.js';
import { startWebhookServer } from './webhook-server.js';

let server: Awaited<ReturnType<typeof startWebhookServer>>;

runBackendConformance({
  name: 'webhook (example)',
  setup: async () => {
    server = await startWebhookServer();
  },
  teardown: () => server.close(),
  backend: async () => ({ definition: webhookBackend, options: { url: server.url, concurrency: 4 } }),
  readBack: async (events) => {
    const wanted = new Set(events.map((event) => event.id));
    return server.received.map((request) => request.body).filter((body) => wanted.has(body.event_id ?? ''));
  },
  // Four requests in flight at once may arrive in any order.
});
