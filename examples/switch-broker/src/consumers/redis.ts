import { Redis } from 'ioredis';
import type { Settings } from '../settings.js';
import { type BrokerConsumer, parseFields, type ReceivedEvent } from './event.js';

type Entry = [id: string, fields: string[]];

/**
 * A Redis consumer group on the stream, created at its start ('0') so it also reads what was
 * appended before it existed. XREADGROUP hands each entry to the group once; XACK confirms it.
 */
export async function open(settings: Settings): Promise<BrokerConsumer> {
  const { url, stream } = settings.redis;
  const group = settings.consumerName;
  const redis = new Redis(url);
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!(error as Error).message.startsWith('BUSYGROUP')) throw error; // it exists: read on from it
  }

  async function read(count: number, timeoutMs = 10_000): Promise<ReceivedEvent[]> {
    const events: ReceivedEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    while (events.length < count && Date.now() < deadline) {
      const reply = (await redis.xreadgroup(
        'GROUP',
        group,
        'reader',
        'COUNT',
        count - events.length,
        'BLOCK',
        Math.max(1, Math.min(1000, deadline - Date.now())),
        'STREAMS',
        stream,
        '>',
      )) as [string, Entry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      for (const [entryId, flat] of entries) {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
        events.push(parseFields(entryId, fields));
      }
      if (entries.length > 0) await redis.xack(stream, group, ...entries.map(([id]) => id));
    }
    return events;
  }

  return {
    read,
    close: async () => {
      await redis.quit();
    },
    async remove() {
      // The group goes with the stream; the backend's idempotency markers are keys of their own.
      const markers: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `dispatch:idem:{${stream}}:*`, 'COUNT', 1000);
        markers.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.del(stream, ...markers);
      await redis.quit();
    },
  };
}
