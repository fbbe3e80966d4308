import { fileURLToPath } from 'node:url';
import { runBackendConformance } from '@dispatch/core/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { natsBackend } from '../src/index.js';
import { asEntry, deleteStreams, inspector, readStream, testTarget } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

let nc: NatsConnection;
let stream = '';
const used: string[] = [];

runBackendConformance({
  name: 'nats (JetStream)',
  backend: async () => {
    const target = testTarget('conformance');
    stream = target.stream;
    used.push(stream);
    return { definition: natsBackend, options: { stream, subject: `${target.prefix}.{event_type}` } };
  },
  entry: { module: () => import('../src/index.js'), specifier: './src/index.ts', from: packageDir },
  readBack: async (events) => {
    const ids = new Set(events.map((event) => event.id));
    const messages = await readStream(nc, stream);
    return messages.map(asEntry).filter((entry) => ids.has(entry.event_id ?? ''));
  },
  setup: async () => {
    nc = await inspector();
  },
  teardown: async () => {
    await deleteStreams(nc, used);
    await nc.close();
  },
});
