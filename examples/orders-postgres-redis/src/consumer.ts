import type { Redis } from 'ioredis';

/** A CloudEvents 1.0 envelope, as the `cloud_event` field carries it. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  [extension: string]: unknown;
}

/** One stream entry, parsed. */
export interface ReceivedEvent {
  /** The stream entry id (`1795793218258-0`): where it is in the stream, not which event it is. */
  entryId: string;
  /** Which event it is: the same on every copy of an event. Deduplicate on this. */
  eventId: string;
  eventType: string;
  source: string;
  timestamp: string;
  /** The ordering key, when the event has one. */
  key: string | undefined;
  cloudEvent: CloudEvent;
  /** Every field of the entry as written, extra fields included. */
  fields: Record<string, string>;
}

type Entry = [id: string, fields: string[] | null];

/** Turn an entry's flat field list into an event; throws on anything a consumer cannot trust. */
export function parseEntry(entryId: string, flat: readonly string[]): ReceivedEvent {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  const { event_id, event_type, source, timestamp, cloud_event } = fields;
  if (!event_id || !event_type || !source || !timestamp || !cloud_event) {
    throw new Error('missing one of event_id, event_type, source, timestamp, cloud_event');
  }
  const cloudEvent = JSON.parse(cloud_event) as CloudEvent;
  if (cloudEvent.specversion !== '1.0') throw new Error(`unexpected specversion ${cloudEvent.specversion}`);
  if (cloudEvent.id !== event_id || cloudEvent.type !== event_type || cloudEvent.source !== source) {
    throw new Error('cloud_event does not match event_id / event_type / source');
  }
  return {
    entryId,
    eventId: event_id,
    eventType: event_type,
    source,
    timestamp,
    key: fields.key,
    cloudEvent,
    fields,
  };
}

export interface ConsumerOptions {
  /** For acknowledgements and the processed set; a duplicate of it does the blocking reads. */
  redis: Redis;
  stream: string;
  group: string;
  /** This consumer's name in the group; keep it across restarts so its pending entries are re-read. */
  consumer: string;
  /** Redis set of handled event ids. */
  processedKey: string;
  /** The work. Throwing leaves the entry pending: it is retried once idle for `claimIdleMs`. */
  handle: (event: ReceivedEvent) => void | Promise<void>;
  /** Longest wait for new entries. @default 5000 */
  blockMs?: number;
  /** Entries pending this long (their consumer died, or a handler threw) are claimed. @default 60000 */
  claimIdleMs?: number;
  /** Entries per read. @default 100 */
  count?: number;
  log?: (line: string) => void;
}

export interface ConsumerStats {
  handled: number;
  /** Entries skipped because their event id was handled before. */
  duplicates: number;
  /** Entries taken over from another consumer (or from this one after a failed handler). */
  claimed: number;
  /** Entries moved to the dead-letter stream because they could not be parsed. */
  malformed: number;
  /** Handler errors (the entry stays pending and is claimed again later). */
  failures: number;
}

/**
 * A consumer-group reader for the Dispatch stream. Delivery is at least once, so it acknowledges
 * only after handling and skips event ids it has already handled.
 */
export class StreamConsumer {
  readonly stats: ConsumerStats = { handled: 0, duplicates: 0, claimed: 0, malformed: 0, failures: 0 };
  readonly #options: ConsumerOptions;
  readonly #blocking: Redis;
  #stopping = false;
  #running: Promise<void> | undefined;

  constructor(options: ConsumerOptions) {
    this.#options = options;
    // A blocked XREADGROUP holds its connection; keep the other commands off it.
    this.#blocking = options.redis.duplicate();
  }

  /** Create the group at the start of the stream ('0'), and the stream if needed. */
  async ensureGroup(): Promise<void> {
    const { redis, stream, group } = this.#options;
    try {
      await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error as Error).message.startsWith('BUSYGROUP')) throw error; // exists already: fine
    }
  }

  /** Read until `stop()`. */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    // Cuts a blocked read short. Entries it had already been given stay pending for this consumer
    // name and are read first ('0') on the next start.
    this.#blocking.disconnect();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const { stream, group, consumer, count = 100, blockMs = 5000, claimIdleMs = 60_000 } = this.#options;
    await this.ensureGroup();
    let cursor = '0'; // first our own pending entries (after a crash), then new ones ('>')
    let claimCursor = '0-0';
    while (!this.#stopping) {
      try {
        // Take over entries another consumer left pending (it died, or its handler threw).
        const [next, claimed] = (await this.#options.redis.xautoclaim(
          stream,
          group,
          consumer,
          claimIdleMs,
          claimCursor,
          'COUNT',
          count,
        )) as [string, Entry[]];
        claimCursor = next;
        for (const entry of claimed) {
          this.stats.claimed += 1;
          await this.#process(entry);
        }

        const reply = (await this.#blocking.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          count,
          'BLOCK',
          blockMs,
          'STREAMS',
          stream,
          cursor,
        )) as [string, Entry[]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        // Reading history: move past what we got (a failed entry stays pending), then switch to new ones.
        if (cursor !== '>') cursor = entries.at(-1)?.[0] ?? '>';
        for (const entry of entries) await this.#process(entry);
      } catch (error) {
        if (this.#stopping) break;
        this.#log(`read failed, retrying in 1 s: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async #process([entryId, flat]: Entry): Promise<void> {
    const { redis, stream, group, processedKey } = this.#options;
    if (flat === null) {
      await redis.xack(stream, group, entryId); // pending, but trimmed away before we handled it
      return;
    }
    let event: ReceivedEvent;
    try {
      event = parseEntry(entryId, flat);
    } catch (error) {
      // Retrying cannot fix it: set it aside where someone will look, and move on.
      const reason = (error as Error).message;
      this.stats.malformed += 1;
      this.#log(`entry ${entryId} moved to ${stream}:dead-letter: ${reason}`);
      await redis
        .multi()
        .xadd(`${stream}:dead-letter`, '*', ...flat, 'dead_letter_reason', reason)
        .xack(stream, group, entryId)
        .exec();
      return;
    }
    if ((await redis.sismember(processedKey, event.eventId)) === 1) {
      this.stats.duplicates += 1;
      await redis.xack(stream, group, entryId);
      return;
    }
    try {
      await this.#options.handle(event);
    } catch (error) {
      this.stats.failures += 1;
      this.#log(`handler failed for event ${event.eventId}, left pending: ${(error as Error).message}`);
      return;
    }
    // A crash right here means the entry is handled again on redelivery: where the handler writes to
    // a database, record the event id in that same transaction instead, and the window closes.
    await redis.multi().sadd(processedKey, event.eventId).xack(stream, group, entryId).exec();
    this.stats.handled += 1;
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }
}
