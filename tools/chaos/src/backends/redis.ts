import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import type { BackendDefinition } from '@dispatch/core';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { Redis } from 'ioredis';
import { type RunNames, streamNames } from '../run-names.js';
import type { BackendKit, BrokerEntry } from './backend-kit.js';

const streamOf = (names: RunNames, eventType: string) => `${names.streamPrefix}${eventType}`;

/** Every entry of a stream, in order, paged with XRANGE. */
export async function readStream(redis: Redis, stream: string): Promise<BrokerEntry[]> {
  const entries: BrokerEntry[] = [];
  let start = '-';
  for (;;) {
    const page = await redis.xrange(stream, start, '+', 'COUNT', 1000);
    for (const [id, flat] of page) {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
      entries.push({
        destination: stream,
        id,
        // The millisecond part of the entry id is Redis's clock when it was appended.
        time: Number(id.split('-')[0]),
        eventId: fields.event_id ?? '',
        eventType: fields.event_type ?? '',
        key: fields.key ?? null,
      });
    }
    const last = page[page.length - 1];
    if (!last || page.length < 1000) return entries;
    start = `(${last[0]}`;
  }
}

/** Redis Streams: one stream per event type, read back with XRANGE. */
export const redisKit: BackendKit = {
  label: 'Redis',
  module: '@dispatch/backend-redis-stream',
  definition: redisStreamBackend as BackendDefinition<never>,
  protocols: ['redis:'],
  defaultPort: 6379,
  // The append-only file is fsynced on every write, so a restart (even a SIGKILL) keeps every
  // acknowledged stream entry: what is tested is the outbox, not Redis without persistence.
  startServer: () => RedisServer.start({ appendOnly: true, dirPrefix: 'dispatch-chaos-redis-' }),
  destinationOf: streamOf,
  workerOptions: ({ url, names, idempotent, redisClient }) => ({
    client: redisClient,
    url,
    stream_name: `${names.streamPrefix}{event_type}`,
    max_len: null,
    idempotent,
    connect_timeout: 2,
    socket_timeout: 5,
  }),
  async prepare({ url, names }) {
    // Streams come into being with their first entry: nothing to declare.
    const streams = streamNames(names);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    const ready = async () => {
      if (client.status === 'wait') await client.connect();
    };
    return {
      description: `streams ${streams.join(', ')}`,
      async read() {
        await ready();
        const entries: BrokerEntry[] = [];
        for (const stream of streams) entries.push(...(await readStream(client, stream)));
        return entries;
      },
      async drop() {
        await ready();
        await client.del(...streams);
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(
            cursor,
            'MATCH',
            `dispatch:idem:{${names.streamPrefix}*`,
            'COUNT',
            1000,
          );
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      },
      async close() {
        client.disconnect();
      },
    };
  },
};
