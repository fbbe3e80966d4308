import { fileURLToPath } from 'node:url';
import { runBackendConformance } from '@dispatch/core/testing';
import { MemoryBroker, memoryBackend } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

const broker = new MemoryBroker();
let stream = '';

runBackendConformance({
  name: 'memory',
  backend: async () => {
    stream = `conformance-${crypto.randomUUID()}`;
    return { definition: memoryBackend, options: { broker, stream_name: stream, idempotent: true } };
  },
  entry: { module: () => import('../src/index.js'), specifier: './src/index.ts', from: packageDir },
  readBack: async (events) => {
    const ids = new Set(events.map((event) => event.id));
    return broker
      .entries(stream)
      .flatMap((entry) => (ids.has(entry.fields.event_id ?? '') ? [entry.fields] : []));
  },
});
