import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEvents, openBackend, randomStream } from './helpers.js';

// The README's consumer, run for real: pending entries first, XACK after handling, XAUTOCLAIM of
// entries a dead consumer left behind, trimmed entries acknowledged away.
type Entry = [id: string, fields: string[] | null];

describe('README consumer (XREADGROUP / XACK)', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const stream = randomStream('consumer');
  const group = 'billing';

  afterAll(async () => {
    await redis.del(stream);
    redis.disconnect();
  });

  async function consume(
    consumer: string,
    handled: string[],
    crashAfter = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((error: Error) => {
      if (!error.message.startsWith('BUSYGROUP')) throw error;
    });
    const handle = async ([id, flat]: Entry): Promise<void> => {
      if (flat === null) {
        await redis.xack(stream, group, id); // trimmed before we handled it
        return;
      }
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
      const event = JSON.parse(fields.cloud_event as string) as { id: string };
      expect(event.id).toBe(fields.event_id);
      if (handled.length >= crashAfter) throw new Error('crash');
      handled.push(event.id);
      await redis.xack(stream, group, id);
    };
    let cursor = '0';
    for (let round = 0; round < 20; round++) {
      const [, claimed] = (await redis.xautoclaim(stream, group, consumer, 50, '0-0', 'COUNT', 100)) as [
        string,
        Entry[],
      ];
      for (const entry of claimed) await handle(entry);
      const reply = (await redis.xreadgroup(
        'GROUP',
        group,
        consumer,
        'COUNT',
        100,
        'BLOCK',
        100,
        'STREAMS',
        stream,
        cursor,
      )) as [string, Entry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (cursor === '0' && entries.length === 0) cursor = '>';
      else if (cursor === '>' && entries.length === 0) return;
      for (const entry of entries) await handle(entry);
    }
  }

  it('handles every event once acknowledged, including those a crashed consumer left pending', async () => {
    const backend = await openBackend({ client: 'ioredis', host: '127.0.0.1', stream_name: stream });
    const events = makeEvents(30);
    await backend.publish(events);
    await backend.close();

    const first: string[] = [];
    await expect(consume('a', first, 10)).rejects.toThrow('crash');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second: string[] = [];
    await consume('b', second);
    expect([...first, ...second].sort()).toEqual(events.map((event) => event.id).sort());
    const pending = (await redis.xpending(stream, group)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
