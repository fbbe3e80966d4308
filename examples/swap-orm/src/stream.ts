import type { Redis } from 'ioredis';

/** One stream entry, read back from its fields (`event_id`, `key`, and the CloudEvent JSON). */
export interface StreamEntry {
  entryId: string;
  eventId: string;
  key: string | undefined;
  type: string;
  subject: string | undefined;
  data: unknown;
}

export async function readStream(redis: Redis, stream: string): Promise<StreamEntry[]> {
  const entries = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
  return entries.map(([entryId, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    const event = JSON.parse(fields.cloud_event ?? '{}') as {
      type: string;
      subject?: string;
      data?: unknown;
    };
    return {
      entryId,
      eventId: fields.event_id ?? '',
      key: fields.key,
      type: event.type,
      subject: event.subject,
      data: event.data,
    };
  });
}
