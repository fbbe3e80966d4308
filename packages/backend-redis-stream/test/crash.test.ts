import type { OutboxEvent, PublishOutcome } from '@dispatch/core';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CLIENTS, makeEvents, openBackend } from './helpers.js';

// Redis is killed (SIGKILL) in the middle of a stream of batches and restarted from its AOF; then
// every event is published again, as a worker that lost track of all of them would. The ledger:
// nothing reported published may be missing, nothing may be stored twice.
describe.each(CLIENTS)('Redis killed mid-publish, restarted from its AOF (%s)', (client) => {
  it('loses no published event and stores none twice', async () => {
    const server = await RedisServer.start({ appendOnly: true });
    const backend = await openBackend({
      client,
      host: '127.0.0.1',
      port: server.port,
      stream_name: 'ledger',
      max_len: null,
      connect_timeout: 1,
      socket_timeout: 1,
    });
    const inspect = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true });
    inspect.on('error', () => undefined);
    try {
      const batches = Array.from({ length: 40 }, () => makeEvents(50));
      const first = new Map<string, PublishOutcome>();
      let killed: Promise<void> | undefined;
      for (const [index, batch] of batches.entries()) {
        // The kill lands while the next batches are being written.
        if (index === 5) killed = server.stop();
        for (const outcome of await backend.publish(batch)) first.set(outcome.id, outcome);
      }
      await killed;
      await server.start();

      const published = [...first.values()].filter((outcome) => outcome.ok);
      const failedKinds = new Set(
        [...first.values()].flatMap((outcome) => (outcome.ok ? [] : [outcome.failure])),
      );
      expect(published.length).toBeGreaterThan(0);
      expect(published.length).toBeLessThan(2000);
      expect([...failedKinds]).toEqual(['unavailable']);

      // The worker publishes everything again (it may have recorded none of the outcomes).
      const all: OutboxEvent[] = batches.flat();
      let again: PublishOutcome[] = [];
      await expect
        .poll(
          async () => {
            again = (await Promise.all(batches.map((batch) => backend.publish(batch)))).flat();
            return again.every((outcome) => outcome.ok);
          },
          { timeout: 15_000, interval: 250 },
        )
        .toBe(true);

      await inspect.connect();
      const stored = (await inspect.xrange('ledger', '-', '+')).map(([id, fields]) => ({
        id,
        eventId: fields[1],
      }));
      expect(stored.map((entry) => entry.eventId).sort()).toEqual(all.map((event) => event.id).sort());
      const refs = new Map(again.map((outcome) => [outcome.id, outcome.ok ? outcome.ref : undefined]));
      for (const outcome of published) {
        if (outcome.ok) expect(refs.get(outcome.id)).toBe(outcome.ref);
      }
    } finally {
      inspect.disconnect();
      await backend.close();
      await server.destroy();
    }
  });
});
