import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import { createDispatch } from '@dispatch/core';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import { Redis } from 'ioredis';
import { perform } from './chaos-actions.js';
import { openOrm, queryOf, retrying } from './database.js';
import { workerConfigFile } from './dispatch-config.js';
import { LatencyProxy } from './latency-proxy.js';
import type { ChaosOptions } from './options.js';
import { randomSeed } from './prng.js';
import type { ProducerSummary } from './producer.js';
import { ProducerPool } from './producer-pool.js';
import { dropRunData } from './run-data.js';
import { ledgerSchemaSql, runNames, streamNames } from './run-names.js';
import { buildSchedule, type ChaosKind } from './schedule.js';
import { lastResort, pause, Teardown } from './teardown.js';
import { ThrowawayPostgres } from './throwaway-postgres.js';
import { ThrowawayRedis } from './throwaway-redis.js';
import { Timeline, type TimelineEntry } from './timeline.js';
import type { Verdict } from './verify.js';
import { verify } from './verify.js';
import { type UnexpectedExit, WorkerPool } from './worker-pool.js';

export interface ChaosResult {
  passed: boolean;
  seed: number;
  runId: string;
  options: Omit<ChaosOptions, 'seed' | 'json' | 'quiet' | 'keep'>;
  servers: { redis: 'throwaway' | 'given'; postgres: 'throwaway' | 'given' };
  chaos: Record<ChaosKind, number>;
  /** Kills, pauses and cuts that caught a worker holding leases (mid-batch). */
  hits: { 'kill-worker': number; 'pause-worker': number; 'cut-redis-connections': number };
  producers: ProducerSummary[];
  producerCrashes: string[];
  unexpectedWorkerExits: UnexpectedExit[];
  drained: boolean;
  drainSeconds: number;
  totalSeconds: number;
  verdict: Verdict;
  timeline: TimelineEntry[];
  runDir: string | null;
}

const NON_FINAL = `status IN ('pending', 'retry', 'processing')`;

/** One chaos run: set up, produce under chaos, drain, check, tear everything down. */
export async function runChaos(options: ChaosOptions, signal: AbortSignal): Promise<ChaosResult> {
  const seed = options.seed ?? randomSeed();
  const names = runNames(randomBytes(4).toString('hex'));
  const timeline = new Timeline(options.quiet);
  const teardown = new Teardown();
  const runDir = mkdtempSync(join(tmpdir(), `dispatch-chaos-${names.runId}-`));
  let passed = false;
  // Logs are worth keeping after a failure, and after a process died that the harness did not kill.
  let keepRunDir = options.keep;
  let redis: ThrowawayRedis | undefined;
  let pg: ThrowawayPostgres | undefined;
  teardown.add('run folder', () => {
    // Cancelled (Ctrl-C): nothing to inspect, leave nothing behind.
    const hasLogs = readdirSync(runDir).length > 0; // a run that failed in setup left nothing to read
    if (((!passed && !signal.aborted) || keepRunDir) && hasLogs)
      timeline.note(`kept the run folder (config, logs): ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  });
  timeline.note(`seed ${seed} (replay with --seed ${seed}); run ${names.runId}; folder ${runDir}`);

  try {
    // ---- servers -------------------------------------------------------------------------------
    // Both at once; whichever started is torn down even if the other failed.
    const [startedRedis, startedPg] = await Promise.allSettled([
      options.redisUrl ? undefined : ThrowawayRedis.start(),
      options.pgUrl ? undefined : ThrowawayPostgres.start(),
    ]);
    redis = startedRedis.status === 'fulfilled' ? startedRedis.value : undefined;
    pg = startedPg.status === 'fulfilled' ? startedPg.value : undefined;
    if (redis) {
      const server = redis;
      teardown.add('redis-server', () => server.destroy());
      lastResort.add(() => server.killNow());
    }
    if (pg) {
      const server = pg;
      teardown.add('postgres', () => server.destroy());
      lastResort.add(() => server.stopNow());
    }
    if (startedRedis.status === 'rejected') throw startedRedis.reason;
    if (startedPg.status === 'rejected') throw startedPg.reason;
    const redisUrl = options.redisUrl ?? (redis as ThrowawayRedis).url;
    const pgUrl = options.pgUrl ?? (pg as ThrowawayPostgres).url;
    timeline.note(
      `Redis ${redis ? `throwaway on port ${redis.port}` : 'given'}, PostgreSQL ${pg ? `throwaway on port ${pg.port}` : 'given'}`,
    );
    // Workers reach Redis through the delaying proxy; the harness reads the streams directly.
    const upstream = new URL(redisUrl);
    if (upstream.protocol !== 'redis:') {
      throw new Error(
        `--redis-url must be a redis:// URL (the workers reach it through a plain TCP proxy); got ${upstream.protocol}`,
      );
    }
    const proxy = await LatencyProxy.start(
      { host: upstream.hostname, port: Number(upstream.port || 6379) },
      options.redisLatency,
    );
    teardown.add('Redis proxy', () => proxy.close());
    const workerRedis = new URL(redisUrl);
    workerRedis.hostname = '127.0.0.1';
    workerRedis.port = String(proxy.port);
    const streams = streamNames(names);
    if (!pg || !redis)
      teardown.add('tables and streams', () =>
        dropRunData({ passed, keep: options.keep, pgUrl, redisUrl, names, streams }),
      );

    // ---- schema --------------------------------------------------------------------------------
    const setupOrm = await openOrm(pgUrl);
    try {
      const dispatch = await createDispatch({
        OUTBOX_PUBLISHERS: { default: { BACKEND: redisStreamBackend, OPTIONS: { url: redisUrl } } },
        OUTBOX_STORE: { BACKEND: mikroOrmStore, OPTIONS: { orm: setupOrm, tableName: names.outbox } },
        LOGGING: { LEVEL: 'warn' },
      });
      await dispatch.store.migrate();
      await dispatch.close();
      for (const sql of ledgerSchemaSql(names)) await setupOrm.em.getConnection().execute(sql);
    } finally {
      await setupOrm.close(true);
    }
    const configPath = join(runDir, 'dispatch.config.mjs');
    writeFileSync(
      configPath,
      workerConfigFile({
        pgUrl,
        redisUrl: workerRedis.toString(),
        names,
        leaseTime: options.leaseTime,
        idempotent: options.idempotent,
        redisClient: options.redisClient,
      }),
    );

    // ---- producers and workers -----------------------------------------------------------------
    const workers = new WorkerPool({ configPath, runDir, count: options.workers, timeline, signal });
    teardown.add('workers', () => workers.stopAll(8000));
    lastResort.add(() => workers.killNow());
    workers.start();
    const producers = new ProducerPool({
      count: options.producers,
      seed,
      pgUrl,
      names,
      rate: options.rate,
      keys: options.keys,
      runDir,
      timeline,
    });
    teardown.add('producers', () => producers.stop());
    lastResort.add(() => producers.killNow());
    producers.start();
    timeline.note(
      `${options.workers} workers and ${options.producers} producers started (keyed events on ${options.keys === 1 ? 'one hot key' : `${options.keys} keys`})`,
    );

    // ---- chaos ---------------------------------------------------------------------------------
    const schedule = buildSchedule({
      seed,
      durationMs: options.duration * 1000,
      workers: options.workers,
      leaseTimeMs: options.leaseTime * 1000,
      restartRedis: redis !== undefined,
      restartPostgres: pg !== undefined,
    });
    timeline.note(`${schedule.length} chaos actions planned over ${options.duration} s`);
    const chaos: Record<ChaosKind, number> = {
      'kill-worker': 0,
      'pause-worker': 0,
      'restart-redis': 0,
      'restart-postgres': 0,
      'cut-redis-connections': 0,
    };
    const hits = { 'kill-worker': 0, 'pause-worker': 0, 'cut-redis-connections': 0 };
    // The harness's own connection, to aim kills and pauses at a worker while it holds leases.
    const orm = await openOrm(pgUrl);
    teardown.add('harness database connection', () => orm.close(true));
    const query = queryOf(orm);
    const started = Date.now();
    for (const action of schedule) {
      await pause(started + action.at - Date.now(), signal);
      if (
        await perform(action, { workers, redis, pg, proxy, timeline, signal, query, outbox: names.outbox })
      ) {
        if (action.kind in hits) hits[action.kind as keyof typeof hits] += 1;
      }
      chaos[action.kind] += 1;
    }
    await pause(started + options.duration * 1000 - Date.now(), signal);

    // ---- drain ---------------------------------------------------------------------------------
    const summaries = await producers.stop();
    const total = (field: 'committed' | 'events' | 'rolledBack' | 'errors') =>
      summaries.reduce((sum, summary) => sum + summary[field], 0);
    workers.resumeAll();
    timeline.note(
      `producers stopped: ${total('committed')} transactions (${total('events')} events) committed, ${total('rolledBack')} rolled back on purpose, ${total('errors')} cut off by a restart`,
    );
    const drainStart = Date.now();
    let drained = false;
    while (Date.now() - drainStart < options.drainTimeout * 1000) {
      const rows = await retrying(
        () => query<{ n: string }>(`SELECT count(*) AS n FROM ${names.outbox} WHERE ${NON_FINAL}`),
        10_000,
        signal,
      );
      if (Number(rows[0]?.n) === 0) {
        drained = true;
        break;
      }
      await pause(500, signal);
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    timeline.note(
      drained ? `drained in ${drainSeconds.toFixed(1)} s` : `not drained after ${drainSeconds.toFixed(0)} s`,
    );
    await workers.stopAll(8000);
    timeline.note('workers stopped');

    // ---- check ---------------------------------------------------------------------------------
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    let verdict: Verdict;
    try {
      await client.connect();
      verdict = await verify({
        query,
        redis: client,
        names,
        streams,
        rolledBack: producers.rolledBackIds(),
        idempotent: options.idempotent,
        timeline: timeline.entries,
      });
    } finally {
      client.disconnect();
    }
    passed = verdict.violations.length === 0;
    if (workers.unexpectedExits.length > 0 || producers.crashes.length > 0) keepRunDir = true;
    return {
      passed,
      seed,
      runId: names.runId,
      options: {
        duration: options.duration,
        workers: options.workers,
        producers: options.producers,
        rate: options.rate,
        keys: options.keys,
        leaseTime: options.leaseTime,
        redisLatency: options.redisLatency,
        redisClient: options.redisClient,
        drainTimeout: options.drainTimeout,
        redisUrl: options.redisUrl ? '(given)' : undefined,
        pgUrl: options.pgUrl ? '(given)' : undefined,
        idempotent: options.idempotent,
      },
      servers: { redis: redis ? 'throwaway' : 'given', postgres: pg ? 'throwaway' : 'given' },
      chaos,
      hits,
      producers: summaries,
      producerCrashes: producers.crashes,
      unexpectedWorkerExits: workers.unexpectedExits,
      drained,
      drainSeconds,
      totalSeconds: (Date.now() - timeline.start) / 1000,
      verdict,
      timeline: timeline.entries,
      runDir: passed && !keepRunDir ? null : runDir,
    };
  } finally {
    await teardown.run();
    lastResort.clear();
    for (const error of teardown.errors) timeline.note(`teardown: ${error}`);
  }
}
