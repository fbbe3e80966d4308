// Backlog drain at scale: a backlog of BENCH_BACKLOG events (1,000,000) in PostgreSQL drained to a
// throwaway Redis by `dispatch worker` processes, as an operator would run them.
//   1. one worker: throughput over the first and the last tenth of the backlog (the last must be at
//      least 0.9x the first: claiming must not slow down as published rows pile up) and the
//      worker's peak RSS (target under 150 MB);
//   2. one worker again with V8's own heap growth (`dispatch worker --heap-growing-percent 0`), the
//      reference for what the worker's default limit on heap growth saves and costs;
//   3. four workers on a backlog of the same size, next to the one worker of step 1.
//
//   pnpm build && node bench/backlog/run.mjs        (or as part of `pnpm bench`)
//
// Environment: BENCH_BACKLOG (1000000), BENCH_BACKLOG_BATCH (500), BENCH_BACKLOG_WORKERS (4).
// Needs the PostgreSQL test server (127.0.0.1:5432, database `test`) and redis-server on PATH.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { record } from '../lib/report.mjs';
import { startRedis } from '../lib/throwaway-redis.mjs';
import { writeWorkerConfig } from '../lib/worker-config.mjs';

const workerDir = fileURLToPath(new URL('../../packages/worker/', import.meta.url));
const fromWorker = createRequire(join(workerDir, 'package.json'));
const resolveUrl = (specifier) => pathToFileURL(fromWorker.resolve(specifier)).href;
const { createDispatch } = await import(resolveUrl('@dispatch/core'));
const { mikroOrmStore } = await import(resolveUrl('@dispatch/orm-mikro'));
const { redisStreamBackend } = await import(resolveUrl('@dispatch/backend-redis-stream'));
const { MikroORM } = await import(resolveUrl('@mikro-orm/core'));
const { PostgreSqlDriver } = await import(resolveUrl('@mikro-orm/postgresql'));
const { Redis } = createRequire(fromWorker.resolve('@dispatch/backend-redis-stream'))('ioredis');
const CLI = join(workerDir, 'dist/cli.js');

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BACKLOG_BATCH ?? 500);
const WORKERS = Number(process.env.BENCH_BACKLOG_WORKERS ?? 4);
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', dbName: 'test' };
const run = randomUUID().replaceAll('-', '').slice(0, 8);

/** The benchmark's settings as plain JSON, for the filling dispatch and the `dispatch worker` processes. */
function configFor(stream, redisPort) {
  return {
    OUTBOX_PUBLISHERS: {
      default: {
        // No trimming, so the stream length counts every published event.
        OPTIONS: { host: '127.0.0.1', port: redisPort, stream_name: stream, max_len: null },
      },
    },
    OUTBOX_WORKER: { BATCH_SIZE: BATCH, SLEEP_TIME: 1 },
    OUTBOX_RETENTION: { CLEANUP_PUBLISHED: false },
    LOGGING: { LEVEL: 'warn' },
  };
}

/** Fill the outbox through the real publisher, in transactions of 5,000 events. */
async function fill(table, stream, redisPort) {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    ...PG,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
  });
  const settings = configFor(stream, redisPort);
  settings.OUTBOX_PUBLISHERS.default.BACKEND = redisStreamBackend;
  const dispatch = await createDispatch({
    ...settings,
    OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName: table } },
  });
  await dispatch.store.migrate();
  const started = performance.now();
  const chunk = 5000;
  for (let done = 0; done < BACKLOG; done += chunk) {
    const events = Array.from({ length: Math.min(chunk, BACKLOG - done) }, (_, i) => ({
      eventType: 'order.created',
      source: 'bench/backlog',
      subject: `orders/${done + i}`,
      data: { orderId: done + i, customer: `customer-${(done + i) % 977}`, total: 42.5, currency: 'EUR' },
    }));
    await orm.em.fork().transactional((em) => dispatch.publisher.publishEvents(events, { transaction: em }));
  }
  const seconds = (performance.now() - started) / 1000;
  await dispatch.close();
  await orm.close();
  return seconds;
}

function writeConfig(dir, table, stream, redisPort) {
  return writeWorkerConfig(dir, { resolveUrl, pg: PG, table, settings: configFor(stream, redisPort) });
}

function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** Start `count` workers, sample the stream length until the backlog is through, stop them. */
async function drain(count, configFile, redis, stream, workerArgs = []) {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, [CLI, 'worker', '--config', configFile, ...workerArgs], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const marks = new Map(); // tenth -> ms since the first entry
  const spawned = performance.now();
  // The clock starts at the first entry, so process start-up is not billed to the first tenth.
  let started;
  let peakMb = 0;
  let length = 0;
  const deadline = spawned + 30 * 60_000;
  while (length < BACKLOG && performance.now() < deadline) {
    await sleep(20);
    length = await redis.client.xlen(stream);
    if (length === 0) continue;
    started ??= performance.now();
    const tenth = Math.floor((length / BACKLOG) * 10);
    for (let t = 1; t <= tenth; t++) if (!marks.has(t)) marks.set(t, performance.now() - started);
    for (const child of children) peakMb = Math.max(peakMb, memoryOf(child.pid).peak);
  }
  const totalMs = performance.now() - started;
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  if (length < BACKLOG)
    throw new Error(`only ${length} of ${BACKLOG} events reached the stream within 30 minutes`);
  const perTenth = (from, to) =>
    BACKLOG / 10 / (((marks.get(to) ?? totalMs) - (marks.get(from) ?? 0)) / 1000);
  return {
    firstTenth: perTenth(0, 1),
    lastTenth: perTenth(9, 10),
    overall: BACKLOG / (totalMs / 1000),
    peakMb,
  };
}

async function dropTable(table) {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    ...PG,
    entities: [],
    discovery: { warnWhenNoEntities: false },
  });
  await orm.em.getConnection().execute(`DROP TABLE IF EXISTS "${table}"`);
  await orm.close();
}

const redis = await startRedis(Redis);
const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.run-'));
const tables = [`bench_backlog_${run}_one`, `bench_backlog_${run}_v8`, `bench_backlog_${run}_many`];
const V8_GROWTH = ['--heap-growing-percent', '0'];
try {
  console.log(
    `backlog ${BACKLOG.toLocaleString('en-US')} events, BATCH_SIZE ${BATCH}; node ${process.version}`,
  );
  const fillOne = await fill(tables[0], 'one', redis.port);
  console.log(
    `filled in ${fillOne.toFixed(1)} s (${(BACKLOG / fillOne).toFixed(0)} events/s through publishEvents)`,
  );
  const one = await drain(1, writeConfig(dir, tables[0], 'one', redis.port), redis, 'one');
  console.log(
    `one worker: first tenth ${one.firstTenth.toFixed(0)}/s, last tenth ${one.lastTenth.toFixed(0)}/s, overall ${one.overall.toFixed(0)}/s, peak RSS ${one.peakMb.toFixed(1)} MB`,
  );
  await redis.client.del('one');

  await fill(tables[1], 'v8', redis.port);
  const v8 = await drain(1, writeConfig(dir, tables[1], 'v8', redis.port), redis, 'v8', V8_GROWTH);
  console.log(
    `one worker with ${V8_GROWTH.join(' ')}: first tenth ${v8.firstTenth.toFixed(0)}/s, last tenth ${v8.lastTenth.toFixed(0)}/s, overall ${v8.overall.toFixed(0)}/s, peak RSS ${v8.peakMb.toFixed(1)} MB`,
  );
  await redis.client.del('v8');

  await fill(tables[2], 'many', redis.port);
  const many = await drain(WORKERS, writeConfig(dir, tables[2], 'many', redis.port), redis, 'many');
  console.log(
    `${WORKERS} workers: overall ${many.overall.toFixed(0)}/s, peak RSS of one ${many.peakMb.toFixed(1)} MB`,
  );

  const suite = 'backlog';
  const size = `${(BACKLOG / 1e6).toFixed(BACKLOG % 1e6 === 0 ? 0 : 1)}M`;
  record([
    { suite, name: `${size} drain, one worker, first tenth`, value: one.firstTenth, unit: 'events/s' },
    {
      suite,
      name: `${size} drain, one worker, last tenth`,
      value: one.lastTenth,
      unit: 'events/s',
      reference: 'first tenth',
      referenceValue: one.firstTenth,
      ratio: one.lastTenth / one.firstTenth,
      target: '>= 0.9x',
      pass: one.lastTenth / one.firstTenth >= 0.9,
    },
    { suite, name: `${size} drain, one worker, whole backlog`, value: one.overall, unit: 'events/s' },
    {
      suite,
      name: 'worker peak RSS during the drain',
      value: one.peakMb,
      unit: 'MB',
      reference: `V8's own heap growth (${V8_GROWTH.join(' ')})`,
      referenceValue: v8.peakMb,
      ratio: one.peakMb / v8.peakMb,
      target: '< 150 MB',
      pass: one.peakMb < 150,
    },
    {
      suite,
      name: `${size} drain, one worker, whole backlog, ${V8_GROWTH.join(' ')}`,
      value: v8.overall,
      unit: 'events/s',
      reference: 'one worker, whole backlog, default heap growth',
      referenceValue: one.overall,
      ratio: v8.overall / one.overall,
    },
    {
      suite,
      name: `${size} drain, ${WORKERS} workers`,
      value: many.overall,
      unit: 'events/s',
      reference: 'one worker, whole backlog',
      referenceValue: one.overall,
      ratio: many.overall / one.overall,
    },
  ]);
} finally {
  await Promise.allSettled(tables.map(dropTable));
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
