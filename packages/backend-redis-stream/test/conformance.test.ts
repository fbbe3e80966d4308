import { fileURLToPath } from 'node:url';
import { runBackendConformance } from '@dispatch/core/testing';
import type { Redis } from 'ioredis';
import { redisStreamBackend } from '../src/index.js';
import { CLIENTS, cleanup, inspector, randomStream, readStream } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

for (const client of CLIENTS) {
  let redis: Redis;
  let stream = '';
  const used: string[] = [];

  runBackendConformance({
    name: `redis-stream (${client})`,
    backend: async () => {
      stream = randomStream(`conformance-${client}`);
      used.push(stream);
      return { definition: redisStreamBackend, options: { client, host: '127.0.0.1', stream_name: stream } };
    },
    entry: { module: () => import('../src/index.js'), specifier: './src/index.ts', from: packageDir },
    readBack: async (events) => {
      const ids = new Set(events.map((event) => event.id));
      const entries = await readStream(redis, stream);
      return entries.map((entry) => entry.fields).filter((fields) => ids.has(fields.event_id ?? ''));
    },
    setup: () => {
      redis = inspector();
    },
    teardown: async () => {
      await cleanup(redis, used);
      redis.disconnect();
    },
  });
}
