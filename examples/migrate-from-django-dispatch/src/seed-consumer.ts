// A consumer written for Django Dispatch's stream format, before Dispatch existed: it knows only
// the fields the seed wrote (event_id, event_type, source, timestamp, cloud_event, then the
// publisher_config extras) and reads them with plain XREAD or XREADGROUP. It runs unchanged on
// the streams Dispatch writes.
import type { Redis } from 'ioredis';

/** The CloudEvents 1.0 envelope the seed put in `cloud_event`. */
export interface SeedCloudEvent {
  specversion: '1.0';
  type: string;
  source: string;
  id: string;
  time: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

export interface SeedStreamEvent {
  /** Stream entry id. */
  entry_id: string;
  event_id: string;
  event_type: string;
  source: string;
  timestamp: Date;
  cloud_event: SeedCloudEvent;
  /** Every other field: the seed's `publisher_config` extras. */
  extra: Record<string, string>;
}

const SEED_FIELDS = ['event_id', 'event_type', 'source', 'timestamp', 'cloud_event'] as const;

type Entry = [id: string, fields: string[]];

/** Parse one entry the way a consumer of the seed did; throws when a field it relies on is missing or broken. */
export function parseSeedEntry(entryId: string, flat: readonly string[]): SeedStreamEvent {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] as string, flat[i + 1] as string);
  for (const name of SEED_FIELDS) {
    if (!fields.get(name)) throw new Error(`entry ${entryId}: missing ${name}`);
  }
  // The seed wrote Python's isoformat() ("...T12:00:00.123456+00:00"); Date reads that and "Z" alike.
  const timestamp = new Date(fields.get('timestamp') as string);
  if (Number.isNaN(timestamp.getTime())) throw new Error(`entry ${entryId}: timestamp is not ISO 8601`);
  const cloud_event = JSON.parse(fields.get('cloud_event') as string) as SeedCloudEvent;
  for (const name of ['specversion', 'type', 'source', 'id', 'time'] as const) {
    if (typeof cloud_event[name] !== 'string')
      throw new Error(`entry ${entryId}: cloud_event.${name} missing`);
  }
  const extra: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (!(SEED_FIELDS as readonly string[]).includes(name)) extra[name] = value;
  }
  return {
    entry_id: entryId,
    event_id: fields.get('event_id') as string,
    event_type: fields.get('event_type') as string,
    source: fields.get('source') as string,
    timestamp,
    cloud_event,
    extra,
  };
}

/** Plain XREAD: every entry after `after` ('0': from the start), in pages of `count`. */
export async function readSeedStream(
  redis: Redis,
  stream: string,
  after = '0',
  count = 100,
): Promise<SeedStreamEvent[]> {
  const events: SeedStreamEvent[] = [];
  let last = after;
  for (;;) {
    const reply = (await redis.xread('COUNT', count, 'STREAMS', stream, last)) as [string, Entry[]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) return events;
    for (const [id, flat] of entries) events.push(parseSeedEntry(id, flat));
    last = entries.at(-1)?.[0] as string;
  }
}

/** XREADGROUP: new entries for `consumer` in `group` (created at the start of the stream), acknowledged once parsed. */
export async function readSeedGroup(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  blockMs = 1000,
): Promise<SeedStreamEvent[]> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!(error as Error).message.startsWith('BUSYGROUP')) throw error;
  }
  const events: SeedStreamEvent[] = [];
  for (;;) {
    const reply = (await redis.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      100,
      'BLOCK',
      blockMs,
      'STREAMS',
      stream,
      '>',
    )) as [string, Entry[]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) return events;
    for (const [id, flat] of entries) {
      events.push(parseSeedEntry(id, flat));
      await redis.xack(stream, group, id);
    }
  }
}
