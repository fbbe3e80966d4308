import { MemoryBroker } from '@dispatch/backend-memory';
import { createDispatch, type Dispatch, type DispatchConfig } from '@dispatch/core';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Worker } from '../../src/index.js';
import { memoryPublishers, publishMany, recordingLogger } from '../helpers.js';
import { dropTable, openPostgres, postgresUp, statusCounts, tableName } from './postgres.js';
import { canImport, eventIds, redisPublishers, redisReady, throwawayRedis } from './services.js';

const storeReady = (await canImport('@dispatch/orm-mikro')) && (await canImport('@mikro-orm/postgresql'));
const pgReady = storeReady && (await postgresUp());
const redisUp = await redisReady();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!pgReady)('worker on PostgreSQL', () => {
  const orms: MikroORM[] = [];
  const tables: string[] = [];
  const dispatches: Dispatch[] = [];

  /** A dispatch instance with its own ORM (its own connection pool), as another process would have. */
  async function open(table: string, config: Partial<DispatchConfig>): Promise<Dispatch> {
    const { mikroOrmStore } = await import('@dispatch/orm-mikro');
    const orm = await openPostgres();
    orms.push(orm);
    const dispatch = await createDispatch({
      OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName: table } },
      LOGGING: { LEVEL: 'warn' },
      ...config,
    } as DispatchConfig);
    dispatches.push(dispatch);
    return dispatch;
  }

  async function newTable(): Promise<string> {
    const table = tableName();
    tables.push(table);
    return table;
  }

  afterAll(async () => {
    await Promise.allSettled(dispatches.map((dispatch) => dispatch.close()));
    const orm = orms[0];
    if (orm) for (const table of tables) await dropTable(orm, table);
    await Promise.allSettled(orms.map((orm) => orm.close(true)));
  });

  describe.skipIf(!redisUp)('and Redis', () => {
    const redis = throwawayRedis();

    it('four workers drain 20k events: each published exactly once (idempotent append), none lost', async () => {
      const table = await newTable();
      const config: Partial<DispatchConfig> = {
        OUTBOX_PUBLISHERS: await redisPublishers(redis.server, {
          stream_name: 'four',
          max_len: null,
          idempotent: true,
        }),
        OUTBOX_WORKER: { BATCH_SIZE: 200, SLEEP_TIME: 0.05 },
      };
      const publisher = await open(table, config);
      await publisher.store.migrate();
      const ids = await publishMany(publisher, 20_000, 'load.test');
      const workerDispatches = await Promise.all(Array.from({ length: 4 }, () => open(table, config)));
      const workers = workerDispatches.map((dispatch) => new Worker(dispatch, { cleanup: false }));
      const runs = workers.map((worker) => worker.run());
      const deadline = Date.now() + 120_000;
      while (Number(redis.server.cli('XLEN', 'four')) < 20_000 && Date.now() < deadline) await sleep(200);
      await Promise.all(workers.map((worker) => worker.stop()));
      await Promise.all(runs);
      await Promise.all([publisher, ...workerDispatches].map((dispatch) => dispatch.close()));
      const streamIds = eventIds(redis.server, 'four');
      expect(streamIds).toHaveLength(20_000);
      expect(new Set(streamIds)).toEqual(ids);
      expect(await statusCounts(orms[0] as MikroORM, table)).toEqual({ published: 20_000 });
      const published = workers.map((worker) =>
        worker.metrics.value('dispatch_events_published_total', {
          backend: 'default',
          event_type: 'load.test',
        }),
      );
      // Shared through the store alone: every worker took part.
      for (const count of published) expect(count).toBeGreaterThan(0);
    }, 180_000);
  });

  it('wakes on a commit in another process (LISTEN/NOTIFY) instead of waiting out SLEEP_TIME', async () => {
    const table = await newTable();
    const broker = new MemoryBroker();
    const config: Partial<DispatchConfig> = {
      OUTBOX_PUBLISHERS: memoryPublishers(broker),
      OUTBOX_WORKER: { SLEEP_TIME: 3600 },
    };
    const workerSide = await open(table, config);
    await workerSide.store.migrate();
    const publisherSide = await open(table, config);
    const worker = new Worker(workerSide, { cleanup: false });
    const running = worker.run();
    try {
      await sleep(500);
      const started = Date.now();
      await publisherSide.publisher.publishEvent({ eventType: 'wake.test', source: 'it' });
      await broker.waitForCount(1, 5000);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await worker.stop();
      await running;
    }
  }, 30_000);

  it('renews leases on a slow publish and shuts down with nothing lost or stuck', async () => {
    const table = await newTable();
    const broker = new MemoryBroker();
    const config: Partial<DispatchConfig> = {
      OUTBOX_PUBLISHERS: memoryPublishers(broker),
      OUTBOX_WORKER: { LEASE_TIME: 2, BATCH_SIZE: 10, SLEEP_TIME: 0.05 },
    };
    const dispatch = await open(table, config);
    await dispatch.store.migrate();
    await dispatch.publisher.publishEvents(
      Array.from({ length: 25 }, () => ({ eventType: 'lease.test', source: 'it' })),
    );
    const release = broker.hold();
    const worker = new Worker(dispatch, { cleanup: false });
    const running = worker.run();
    await sleep(5000);
    // Held well past the lease: a second worker finds nothing to take over.
    const other = await open(table, config);
    const taken = await other.store.claim({ owner: 'intruder', limit: 100, leaseMs: 1000 });
    // Only the 5 the worker had not claimed (one batch publishing, one claimed ahead).
    expect(taken).toHaveLength(5);
    await other.store.record(
      'intruder',
      taken.map((event) => ({ id: event.id, status: 'released' as const })),
    );
    const stopping = worker.stop();
    release();
    await stopping;
    await running;
    const counts = await statusCounts(orms[0] as MikroORM, table);
    expect(counts.processing ?? 0).toBe(0);
    expect((counts.published ?? 0) + (counts.pending ?? 0)).toBe(25);
    expect(broker.duplicates().size).toBe(0);
  }, 30_000);

  it('cleans up old published and failed events per OUTBOX_RETENTION', async () => {
    const table = await newTable();
    const broker = new MemoryBroker();
    const logger = recordingLogger();
    const dispatch = await open(table, {
      OUTBOX_PUBLISHERS: memoryPublishers(broker),
      OUTBOX_RETENTION: { CLEANUP_BATCH_SIZE: 3 },
      LOGGING: { LOGGER: logger },
    });
    await dispatch.store.migrate();
    const events = await dispatch.publisher.publishEvents(
      Array.from({ length: 10 }, () => ({ eventType: 'old', source: 'it' })),
    );
    broker.rejectWhen((event) => event.id === events[0]?.id);
    await new Worker(dispatch).runOnce();
    const day = 86_400_000;
    const connection = (orms.at(-1) as MikroORM).em.getConnection();
    await connection.execute(
      `update "${table}" set published_at = published_at - ${8 * day}, updated_at = updated_at - ${8 * day} where status = 'published'`,
    );
    const worker = new Worker(dispatch, { statsInterval: 0 });
    const running = worker.run();
    await sleep(500);
    await worker.stop();
    await running;
    expect(await statusCounts(orms[0] as MikroORM, table)).toEqual({ failed: 1 });
  }, 30_000);
});
