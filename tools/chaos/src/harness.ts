import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import { createDispatch } from '@dispatch/core';
import { PostgresServer } from '@dispatch/test-services/postgres-server';
import { TcpProxy } from '@dispatch/test-services/tcp-proxy';
import { type BrokerServer, capabilitiesOf } from './backends/backend-kit.js';
import { BACKENDS } from './backends/index.js';
import { perform } from './chaos-actions.js';
import { openOrm, queryOf, retrying } from './database.js';
import { workerConfigFile } from './dispatch-config.js';
import type { ChaosOptions } from './options.js';
import { randomSeed } from './prng.js';
import type { ProducerSummary } from './producer.js';
import { ProducerPool } from './producer-pool.js';
import { dropRunData } from './run-data.js';
import { ledgerSchemaSql, runNames } from './run-names.js';
import { buildSchedule, type ChaosKind } from './schedule.js';
import { STORES } from './stores/index.js';
import { lastResort, pause, Teardown } from './teardown.js';
import { Timeline, type TimelineEntry } from './timeline.js';
import type { Verdict } from './verify.js';
import { verify } from './verify.js';
import { type UnexpectedExit, WorkerPool } from './worker-pool.js';

export interface ChaosResult {
  passed: boolean;
  seed: number;
  runId: string;
  options: Omit<ChaosOptions, 'seed' | 'json' | 'quiet' | 'keep'>;
  servers: { broker: 'throwaway' | 'given'; postgres: 'throwaway' | 'given' };
  /** Whether duplicates fail the run: the backend is idempotent and idempotent append is on. */
  duplicatesFail: boolean;
  chaos: Record<ChaosKind, number>;
  /** Kills, pauses and cuts that caught a worker holding leases (mid-batch). */
  hits: { 'kill-worker': number; 'pause-worker': number; 'cut-broker-connections': number };
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
  const backend = await BACKENDS[options.backend]();
  const storeKit = await STORES[options.store]();
  // A backend that is not idempotent may append twice: duplicates are then reported, not failed.
  const idempotent = capabilitiesOf(backend, options).idempotent && options.idempotent;
  const duplicatesReported = capabilitiesOf(backend, { idempotent: true }).idempotent
    ? 'idempotent append off'
    : `${backend.label} is not idempotent`;
  const timeline = new Timeline(options.quiet);
  const teardown = new Teardown();
  const runDir = mkdtempSync(join(tmpdir(), `dispatch-chaos-${names.runId}-`));
  let passed = false;
  // Logs are worth keeping after a failure, and after a process died that the harness did not kill.
  let keepRunDir = options.keep;
  let broker: BrokerServer | undefined;
  let pg: PostgresServer | undefined;
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
    const [startedBroker, startedPg] = await Promise.allSettled([
      options.brokerUrl ? undefined : backend.startServer(),
      options.pgUrl
        ? undefined
        : PostgresServer.start({ bin: process.env.CHAOS_PG_BIN, dirPrefix: 'dispatch-chaos-pg-' }),
    ]);
    broker = startedBroker.status === 'fulfilled' ? startedBroker.value : undefined;
    pg = startedPg.status === 'fulfilled' ? startedPg.value : undefined;
    if (broker) {
      const server = broker;
      teardown.add(backend.label, () => server.destroy());
      lastResort.add(() => server.killNow());
    }
    if (pg) {
      const server = pg;
      teardown.add('postgres', () => server.destroy());
      lastResort.add(() => server.stopNow());
    }
    if (startedBroker.status === 'rejected') throw startedBroker.reason;
    if (startedPg.status === 'rejected') throw startedPg.reason;
    const brokerUrl = options.brokerUrl ?? (broker as BrokerServer).url;
    const pgUrl = options.pgUrl ?? (pg as PostgresServer).url;
    timeline.note(
      `${backend.label} ${broker ? `throwaway on port ${broker.port}` : 'given'}, PostgreSQL ${pg ? `throwaway on port ${pg.port}` : 'given'}; store ${options.store}`,
    );
    // Workers reach the broker through the delaying proxy; the harness reads it directly.
    const upstream = new URL(brokerUrl);
    if (!backend.protocols.includes(upstream.protocol)) {
      throw new Error(
        `--broker-url must be a ${backend.protocols.join(' or ')}// URL for --backend ${options.backend} (the workers reach it through a plain TCP proxy); got ${upstream.protocol}`,
      );
    }
    // Replies held back widen the moment between "the broker has it" and "the worker knows", so a
    // kill, a pause or a cut often lands inside it: the duplicate windows idempotent append closes.
    const proxy = await TcpProxy.start(
      { host: upstream.hostname, port: Number(upstream.port || backend.defaultPort) },
      { replyDelayMs: options.brokerLatency },
    );
    teardown.add(`${backend.label} proxy`, () => proxy.close());
    const workerBroker = new URL(brokerUrl);
    workerBroker.hostname = '127.0.0.1';
    workerBroker.port = String(proxy.port);

    // ---- schema --------------------------------------------------------------------------------
    // The outbox table by the chosen store's own migrate; the harness's tables by plain SQL.
    if (storeKit.cleanup)
      teardown.add(`${options.store} generated files`, () => storeKit.cleanup?.({ runDir }));
    await storeKit.prepare?.({ runDir, names });
    const setupStore = await storeKit.open({ pgUrl, names, poolSize: 2, runDir });
    try {
      const dispatch = await createDispatch({
        OUTBOX_PUBLISHERS: { default: { BACKEND: redisStreamBackend, OPTIONS: {} } },
        OUTBOX_STORE: setupStore.store,
        LOGGING: { LEVEL: 'warn' },
      });
      await dispatch.store.migrate();
      await dispatch.close();
    } finally {
      await setupStore.close();
    }
    const setupOrm = await openOrm(pgUrl);
    try {
      for (const sql of ledgerSchemaSql(names)) await setupOrm.em.getConnection().execute(sql);
    } finally {
      await setupOrm.close(true);
    }
    // What the ledger reads back exists before the first event is produced.
    const ledger = await backend.prepare({ url: brokerUrl, names, idempotent });
    teardown.add(`${backend.label} ledger connection`, () => ledger.close());
    if (!pg || !broker)
      teardown.add('tables and broker data', () =>
        dropRunData({ passed, keep: options.keep, pgUrl, names, ledger }),
      );
    if (broker?.settle) {
      const settling = Date.now();
      await broker.settle();
      timeline.note(
        `${backend.label} restarted cleanly so its declarations survive a crash (${((Date.now() - settling) / 1000).toFixed(1)} s)`,
      );
    }
    const configPath = join(runDir, 'dispatch.config.mjs');
    writeFileSync(
      configPath,
      workerConfigFile({
        pgUrl,
        brokerUrl: workerBroker.toString(),
        names,
        leaseTime: options.leaseTime,
        idempotent,
        redisClient: options.redisClient,
        backend,
        store: storeKit,
        runDir,
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
      store: options.store,
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
      restartBroker: broker !== undefined,
      restartPostgres: pg !== undefined,
    });
    timeline.note(`${schedule.length} chaos actions planned over ${options.duration} s`);
    const chaos: Record<ChaosKind, number> = {
      'kill-worker': 0,
      'pause-worker': 0,
      'restart-broker': 0,
      'restart-postgres': 0,
      'cut-broker-connections': 0,
    };
    const hits = { 'kill-worker': 0, 'pause-worker': 0, 'cut-broker-connections': 0 };
    // The harness's own connection, to aim kills and pauses at a worker while it holds leases.
    const orm = await openOrm(pgUrl);
    teardown.add('harness database connection', () => orm.close(true));
    const query = queryOf(orm);
    const started = Date.now();
    for (const action of schedule) {
      await pause(started + action.at - Date.now(), signal);
      if (
        await perform(action, {
          workers,
          broker,
          brokerLabel: backend.label,
          pg,
          proxy,
          timeline,
          signal,
          query,
          outbox: names.outbox,
        })
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
    const verdict = await verify({
      query,
      entries: await retrying(() => ledger.read(), 30_000, signal),
      destinationOf: (eventType) => backend.destinationOf(names, eventType),
      names,
      rolledBack: producers.rolledBackIds(),
      idempotent,
      duplicatesReported,
      timeline: timeline.entries,
    });
    // A producer that died or a run that committed nothing proves nothing about the outbox: the
    // ledger check would pass on whatever little was written, so either fails the run.
    if (producers.crashes.length > 0)
      verdict.violations.push(`${producers.crashes.length} producer(s) crashed (see producer crashes)`);
    if (total('committed') === 0) verdict.violations.push('no transaction committed');
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
        backend: options.backend,
        store: options.store,
        brokerLatency: options.brokerLatency,
        redisClient: options.redisClient,
        drainTimeout: options.drainTimeout,
        brokerUrl: options.brokerUrl ? '(given)' : undefined,
        pgUrl: options.pgUrl ? '(given)' : undefined,
        idempotent: options.idempotent,
      },
      servers: { broker: broker ? 'throwaway' : 'given', postgres: pg ? 'throwaway' : 'given' },
      duplicatesFail: idempotent,
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
