import { runBackendConformance } from '@dispatch/core/testing';
import { MemoryBroker, memoryBackend } from '../src/index.js';

const broker = new MemoryBroker();
let stream = '';

runBackendConformance({
  name: 'memory',
  backend: async () => {
    stream = `conformance-${crypto.randomUUID()}`;
    return { definition: memoryBackend, options: { broker, stream_name: stream, idempotent: true } };
  },
  readBack: async (events) => {
    const ids = new Set(events.map((event) => event.id));
    return broker
      .entries(stream)
      .flatMap((entry) => (ids.has(entry.fields.event_id ?? '') ? [entry.fields] : []));
  },
});
