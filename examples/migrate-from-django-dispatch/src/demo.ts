import { join } from 'node:path';
import { createDispatch, type DispatchConfig, loadConfigFile, type NewEvent } from '@dispatch/core';
import { createWorker } from '@dispatch/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { publishOrderCloudEvent, publishUserCreated, publishWithEveryArgument } from './publish.js';
import { readSeedStream, type SeedStreamEvent } from './seed-consumer.js';

export interface DemoOptions {
  /** Change the configuration file's settings before use (the tests use names of their own). */
  override?: (config: DispatchConfig) => DispatchConfig;
  print?: (line: string) => void;
  /** Id of the order in the CloudEvent; its event id is `order-<id>-created`, written once per id. */
  orderId?: string;
}

export interface DemoResult {
  /** What publishEvent / publishCloudEvent wrote, in order. */
  published: NewEvent[];
  /** What the seed-format consumer read, per publisher. */
  read: Record<string, SeedStreamEvent[]>;
  /** The stream each publisher wrote to. */
  streams: Record<string, string>;
  /** Event ids each local handler saw: the seed's event_registry and its two signals. */
  handled: { registry: string[]; created: string[]; published: string[] };
}

const exampleDir = join(import.meta.dirname, '..');

/**
 * Publish events through Dispatch configured by `dispatch.config.ts` (one rolled back), drain them
 * with the worker, and read each stream with the consumer written for the seed's format.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? (() => {});
  const loaded = await loadConfigFile({ cwd: exampleDir });
  let config = loaded.config as DispatchConfig;
  const orm = config.OUTBOX_STORE.OPTIONS?.orm as MikroORM;
  if (options.override) config = options.override(config);
  const streams = Object.fromEntries(
    Object.entries(config.OUTBOX_PUBLISHERS).map(([name, p]) => [name, String(p.OPTIONS?.stream_name)]),
  );
  const dispatch = await createDispatch(config, { configDir: exampleDir, source: loaded.path });
  const redis = new Redis({
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
  });
  try {
    await dispatch.store.migrate();
    // The seed's local handlers. They now run only after the transaction commits (never for a
    // rolled-back one), and `published` only once, when the worker records the outcome.
    const handled: DemoResult['handled'] = { registry: [], created: [], published: [] };
    dispatch.hooks.register('user.created', (event) => {
      handled.registry.push(event.id); // @event_registry.register('user.created')
    });
    dispatch.hooks.on('created', (event) => {
      handled.created.push(event.id); // event_created signal
    });
    dispatch.hooks.on('published', (event) => {
      handled.published.push(event.id); // event_published signal (in the worker's process)
    });
    // Read only what this run adds, should the streams hold older entries.
    const startAt: Record<string, string> = {};
    for (const [name, stream] of Object.entries(streams)) {
      const [last] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
      startAt[name] = last?.[0] ?? '0';
    }

    const published: NewEvent[] = [];
    await orm.em.fork().transactional(async (em) => {
      published.push(await publishUserCreated(dispatch, em, 123));
      published.push(await publishWithEveryArgument(dispatch, em));
      published.push(await publishOrderCloudEvent(dispatch, em, options.orderId ?? '42'));
      published.push(
        await dispatch.publisher.publishEvent(
          { eventType: 'user.deleted', source: 'user-service' },
          { transaction: em },
        ),
      );
    });
    print(`published ${published.length} events in one transaction`);
    try {
      await orm.em.fork().transactional(async (em) => {
        await dispatch.publisher.publishEvent(
          { eventType: 'user.created', source: 'user-service', data: { user_id: 666 } },
          { transaction: em },
        );
        throw new Error('rolled back');
      });
    } catch {
      print('one more in a transaction that rolled back (never published)');
    }

    const worker = createWorker(dispatch, { cleanup: false, wakeUps: false, statsInterval: 0 });
    for (;;) {
      const report = await worker.runOnce();
      if (report.claimed === 0) break;
      print(`worker: claimed ${report.claimed}, published ${report.published}`);
    }
    await worker.stop();

    const read: Record<string, SeedStreamEvent[]> = {};
    for (const [name, stream] of Object.entries(streams)) {
      read[name] = await readSeedStream(redis, stream, startAt[name]);
      for (const event of read[name]) {
        print(
          `${stream}: ${event.event_type} from ${event.source} at ${event.timestamp.toISOString()} ` +
            `event_id=${event.event_id} data=${JSON.stringify(event.cloud_event.data ?? null)} ` +
            `extra=${JSON.stringify(event.extra)}`,
        );
      }
    }
    return { published, read, streams, handled };
  } finally {
    await redis.quit();
    await dispatch.close();
    await orm.close();
  }
}
