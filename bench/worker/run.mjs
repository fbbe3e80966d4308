import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { record } from '../lib/report.mjs';
import { startRedis } from '../lib/throwaway-redis.mjs';
import { writeWorkerConfig } from '../lib/worker-config.mjs';

const workerDir = fileURLToPath(new URL('../../packages/worker/', import.meta.url));
const fromWorker = createRequire(join(workerDir, 'package.json'));
const load = (specifier) => import(pathToFileURL(fromWorker.resolve(specifier)).href);
const { Worker } = await import(pathToFileURL(join(workerDir, 'dist/index.js')).href);
const CLI = join(workerDir, 'dist/cli.js');
const { createDispatch } = await load('@dispatch/core');
const { mikroOrmStore } = await load('@dispatch/orm-mikro');
const { redisStreamBackend } = await load('@dispatch/backend-redis-stream');
const { MikroORM } = await load('@mikro-orm/core');
const { PostgreSqlDriver } = await load('@mikro-orm/postgresql');
const pg = createRequire(fromWorker.resolve('@mikro-orm/postgresql'))('pg');
const { Redis } = createRequire(fromWorker.resolve('@dispatch/backend-redis-stream'))('ioredis');

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCHES = (process.env.BENCH_BATCH ?? '100,500').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_LATENCY_WARMUP_SECONDS ?? 2);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// 'worker': time the worker's drains alone (profiling); 'latency': only the latency with wake-ups.
const ONLY = process.env.BENCH_ONLY;
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const TABLE = process.env.BENCH_TABLE ?? `bench_worker_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const STREAM = 'bench';
const NOW = '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';

async function openOrm() {
  return MikroORM.init({
    driver: PostgreSqlDriver,
    host: PG.host,
    port: PG.port,
    user: PG.user,
    dbName: PG.database,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
  });
}

/** The benchmark's settings as plain JSON, for a dispatch in this process and for `dispatch worker`. */
function settingsFor(redisPort, worker = {}) {
  return {
    OUTBOX_PUBLISHERS: {
      default: {
        // Plain XADD, no trimming: the same writes the reference loops make.
        OPTIONS: {
          host: '127.0.0.1',
          port: redisPort,
          stream_name: STREAM,
          max_len: null,
          idempotent: worker.idempotent ?? false,
        },
      },
    },
    OUTBOX_WORKER: { BATCH_SIZE: worker.batchSize ?? 100 },
    OUTBOX_RETENTION: { CLEANUP_PUBLISHED: false },
    LOGGING: { LEVEL: 'warn' },
  };
}

async function openDispatch(orm, redisPort, worker = {}) {
  const settings = settingsFor(redisPort, worker);
  settings.OUTBOX_PUBLISHERS.default.BACKEND = redisStreamBackend;
  return createDispatch({
    ...settings,
    OUTBOX_STORE: { BACKEND: mikroOrmStore, OPTIONS: { orm, tableName: TABLE } },
  });
}

/** A `dispatch.config.mjs` for a `dispatch worker` process with the same settings as `openDispatch`. */
function workerConfigFile(dir, redisPort) {
  return writeWorkerConfig(dir, {
    resolveUrl: (specifier) => pathToFileURL(fromWorker.resolve(specifier)).href,
    pg: { host: PG.host, port: PG.port, user: PG.user, dbName: PG.database },
    table: TABLE,
    settings: settingsFor(redisPort),
  });
}

/** Every row back to a due `pending`, the stream emptied, the table vacuumed: the same start for each contender. */
async function reset(pool, redis) {
  await pool.query(
    `UPDATE "${TABLE}" SET status = 'pending', attempts = 0, lease_owner = NULL, locked_until = NULL,
       published_at = NULL, last_error = NULL, available_at = ${NOW} - 1000, updated_at = ${NOW}`,
  );
  await pool.query(`VACUUM ANALYZE "${TABLE}"`);
  await redis.client.del(STREAM);
}

/** An empty, vacuumed table: dead rows left by the drains would slow every claim that follows. */
async function clear(pool) {
  await pool.query(`DELETE FROM "${TABLE}"`);
  await pool.query(`VACUUM ANALYZE "${TABLE}"`);
}

async function publishedCount(pool) {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${TABLE}" WHERE status = 'published'`);
  return rows[0].n;
}

/** The stream entry of a row, built by hand: `data` is already JSON text, so it is spliced in. */
function entryArgs(row) {
  const time = new Date(Number(row.created_at)).toISOString();
  let cloudEvent = `{"specversion":"1.0","id":${JSON.stringify(row.id)},"source":${JSON.stringify(row.source)},"type":${JSON.stringify(row.event_type)},"time":"${time}","datacontenttype":${JSON.stringify(row.data_content_type)}`;
  if (row.subject !== null) cloudEvent += `,"subject":${JSON.stringify(row.subject)}`;
  if (row.data !== null) cloudEvent += `,"data":${row.data}`;
  cloudEvent += '}';
  return [
    'event_id',
    row.id,
    'event_type',
    row.event_type,
    'source',
    row.source,
    'timestamp',
    time,
    'cloud_event',
    cloudEvent,
  ];
}

/** The reference loops: raw SQL on the same table and the same index the store uses. */
function referenceLoop(pool, redis, batch) {
  const owner = `reference-${randomUUID()}`;
  const claim = async () => {
    const { rows } = await pool.query(
      `WITH picked AS (
         SELECT e.seq FROM "${TABLE}" e
         WHERE e.status IN ('pending','retry','processing')
           AND ((e.status <> 'processing' AND e.available_at <= ${NOW}) OR (e.status = 'processing' AND e.locked_until <= ${NOW}))
         ORDER BY e.seq LIMIT $1 FOR UPDATE OF e SKIP LOCKED)
       UPDATE "${TABLE}" AS t SET status = 'processing', lease_owner = $2, locked_until = ${NOW} + 30000,
         attempts = t.attempts + 1, updated_at = ${NOW}
       FROM picked WHERE t.seq = picked.seq RETURNING t.*`,
      [batch, owner],
    );
    return rows;
  };
  const publishAndRecord = async (rows) => {
    const pipeline = redis.client.pipeline();
    for (const row of rows) pipeline.xadd(STREAM, '*', ...entryArgs(row));
    await pipeline.exec();
    await pool.query(
      `UPDATE "${TABLE}" SET status = 'published', published_at = ${NOW}, updated_at = ${NOW}, lease_owner = NULL, locked_until = NULL
       WHERE seq = ANY($1::bigint[]) AND lease_owner = $2`,
      [rows.map((row) => row.seq), owner],
    );
  };
  return {
    async sequential() {
      for (;;) {
        const rows = await claim();
        if (rows.length === 0) return;
        await publishAndRecord(rows);
      }
    },
    async overlapped() {
      let next = claim();
      for (;;) {
        const rows = await next;
        if (rows.length === 0) return;
        next = claim();
        await publishAndRecord(rows);
      }
    },
  };
}

async function timeDrain(pool, work) {
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const published = await publishedCount(pool);
  if (published !== EVENTS) throw new Error(`drain left ${EVENTS - published} events unpublished`);
  return EVENTS / seconds;
}

async function workerDrain(orm, redis, batchSize, idempotent = false) {
  const dispatch = await openDispatch(orm, redis.port, { batchSize, idempotent });
  const worker = new Worker(dispatch, { cleanup: false, statsInterval: 0 });
  // Connect outside the timing, as a long-running worker would be.
  await dispatch.store.stats();
  await dispatch.backends.get('default').health();
  const started = performance.now();
  const running = worker.run();
  while (
    worker.metrics.value('dispatch_events_published_total', {
      backend: 'default',
      event_type: 'bench.event',
    }) < EVENTS
  ) {
    await sleep(5);
  }
  const seconds = (performance.now() - started) / 1000;
  await worker.stop();
  await running;
  await dispatch.close();
  return EVENTS / seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * The publisher of the latency measurement, run as a child process (`BENCH_PACED_PUBLISHER`), as an
 * application would be: its allocations and GC pauses are not the worker's. After `ready` and a
 * `go` on stdin it publishes at `RATE`/s, first `WARMUP_SECONDS` of traffic that is not measured
 * (JIT, pools, plans), then `LATENCY_SECONDS` that is, printing `<event id> <commit time, ms>`.
 */
async function pacedPublisher() {
  const orm = await openOrm();
  const dispatch = await openDispatch(orm, Number(process.env.BENCH_REDIS_PORT));
  await dispatch.publisher.publishEvent({ eventType: 'bench.connect', source: 'bench', data: {} });
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy();
  const warmup = RATE * WARMUP_SECONDS;
  const total = warmup + RATE * LATENCY_SECONDS;
  const started = performance.now();
  for (let n = 0; n < total; n += 1) {
    const wait = started + (n * 1000) / RATE - performance.now();
    if (wait > 0) await sleep(wait);
    const event = await dispatch.publisher.publishEvent({
      eventType: 'bench.latency',
      source: 'bench',
      data: { n },
    });
    if (n >= warmup) process.stdout.write(`${event.id} ${Date.now()}\n`);
  }
  process.stdout.write('done\n');
  await dispatch.close();
  await orm.close(true);
}

/**
 * Time each event from its commit (in the publisher process) to its stream entry, both on this
 * machine's clock at 1 ms resolution. With wake-ups the worker is a `dispatch worker` process, as
 * an operator runs it (its heap does not carry this benchmark's drains); without, it runs here.
 */
async function latency(orm, redis, wakeUps) {
  let stopWorker;
  if (wakeUps) {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-bench-latency-'));
    const child = spawn(process.execPath, [CLI, 'worker', '--config', workerConfigFile(dir, redis.port)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    stopWorker = async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const workerSide = await openDispatch(orm, redis.port);
    const worker = new Worker(workerSide, { cleanup: false, statsInterval: 0, wakeUps });
    const running = worker.run();
    stopWorker = async () => {
      await worker.stop();
      await running;
      await workerSide.close();
    };
  }
  const reader = redis.client.duplicate();
  // Both times per event id; an entry may be read before the publisher reports its commit.
  const committed = new Map();
  const written = new Map();
  let workerUp = false;
  let reading = true;
  // Start after the last entry already there; `$` would miss entries appended between two reads.
  const [last] = await redis.client.xrevrange(STREAM, '+', '-', 'COUNT', 1);
  let lastId = last ? last[0] : '0-0';
  const consume = (async () => {
    while (reading) {
      const result = await reader.xread('BLOCK', 200, 'STREAMS', STREAM, lastId);
      for (const [, entries] of result ?? []) {
        for (const [id, fields] of entries) {
          lastId = id;
          // The publisher's first event shows the worker is up and publishing.
          if (fields[3] === 'bench.connect') workerUp = true;
          // The entry id carries the server's time of the XADD: commit to entry, without the
          // consumer's own delivery delay.
          written.set(fields[1], Number(id.split('-')[0]));
        }
      }
    }
  })();
  const publisher = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: {
      ...process.env,
      BENCH_PACED_PUBLISHER: '1',
      BENCH_TABLE: TABLE,
      BENCH_REDIS_PORT: String(redis.port),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => publisher.once('exit', resolve));
  await new Promise((resolve, reject) => {
    publisher.once('exit', (code) => reject(new Error(`the paced publisher exited early (code ${code})`)));
    createInterface({ input: publisher.stdout }).on('line', async (line) => {
      if (line === 'ready') {
        const deadline = performance.now() + 30_000;
        while (!workerUp && performance.now() < deadline) await sleep(20);
        publisher.stdin.end('go\n');
      } else if (line === 'done') resolve();
      else {
        const match = /^(\S+) (\d+)$/.exec(line);
        if (match) committed.set(match[1], Number(match[2]));
      }
    });
  });
  await exited;
  const total = RATE * LATENCY_SECONDS;
  const deadline = performance.now() + 15_000;
  const measuredWritten = () => [...committed.keys()].filter((id) => written.has(id)).length;
  while (measuredWritten() < total && performance.now() < deadline) await sleep(50);
  reading = false;
  await consume;
  reader.disconnect();
  await stopWorker();
  const sorted = [...committed]
    .filter(([id]) => written.has(id))
    .map(([id, at]) => Math.max(0, written.get(id) - at))
    .sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function idleCpu(orm, redis) {
  const dispatch = await openDispatch(orm, redis.port);
  const worker = new Worker(dispatch, { cleanup: false });
  const running = worker.run();
  await sleep(1000);
  const before = process.cpuUsage();
  const started = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const used = process.cpuUsage(before);
  const wall = performance.now() - started;
  await worker.stop();
  await running;
  await dispatch.close();
  return ((used.user + used.system) / 1000 / wall) * 100;
}

async function main() {
  const redis = await startRedis(Redis);
  const orm = await openOrm();
  const pool = new pg.Pool({ ...PG, max: 4 });
  try {
    const setup = await openDispatch(orm, redis.port);
    await setup.store.migrate();
    if (ONLY === 'latency') {
      await setup.close();
      const { p50, p99, count } = await latency(orm, redis, true);
      console.log(`latency at ${RATE}/s with wake-ups: p50 ${p50} ms, p99 ${p99} ms (${count} events)`);
      return;
    }
    const fillStarted = performance.now();
    for (let start = 0; start < EVENTS; start += 1000) {
      const count = Math.min(1000, EVENTS - start);
      await setup.publisher.publishEvents(
        Array.from({ length: count }, (_, i) => ({
          eventType: 'bench.event',
          source: 'bench',
          subject: `order/${start + i}`,
          data: { orderId: start + i, customer: 'c-1234', total: 99.95, items: [{ sku: 'A-1', qty: 2 }] },
        })),
      );
    }
    await setup.close();
    console.log(
      `filled ${EVENTS} events in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s (table ${TABLE})`,
    );

    const rows = [];
    for (const batch of BATCHES) {
      const reference = referenceLoop(pool, redis, batch);
      if (ONLY === 'worker') {
        await reset(pool, redis);
        console.log(`batch ${batch}: worker ${(await workerDrain(orm, redis, batch)).toFixed(0)}/s`);
        continue;
      }
      const runs = { sequential: [], overlapped: [], worker: [], idempotent: [] };
      for (let round = 0; round < ROUNDS; round += 1) {
        await reset(pool, redis);
        runs.sequential.push(await timeDrain(pool, () => reference.sequential()));
        await reset(pool, redis);
        runs.overlapped.push(await timeDrain(pool, () => reference.overlapped()));
        await reset(pool, redis);
        runs.worker.push(await workerDrain(orm, redis, batch));
        await reset(pool, redis);
        runs.idempotent.push(await workerDrain(orm, redis, batch, true));
      }
      const sequential = median(runs.sequential);
      const overlapped = median(runs.overlapped);
      const worker = median(runs.worker);
      const idempotent = median(runs.idempotent);
      rows.push({ batch, sequential, overlapped, worker, idempotent });
      console.log(
        `batch ${batch}: sequential ${sequential.toFixed(0)}/s, overlapped ${overlapped.toFixed(0)}/s, ` +
          `worker ${worker.toFixed(0)}/s (${(worker / sequential).toFixed(2)}x seq, ${(worker / overlapped).toFixed(2)}x overlapped), ` +
          `worker with idempotent append ${idempotent.toFixed(0)}/s`,
      );
    }
    if (ONLY === 'worker') return;
    await clear(pool);

    const on = await latency(orm, redis, true);
    console.log(
      `latency at ${RATE}/s with wake-ups: p50 ${on.p50.toFixed(1)} ms, p99 ${on.p99.toFixed(1)} ms (${on.count} events)`,
    );
    await clear(pool);
    const off = await latency(orm, redis, false);
    console.log(
      `latency at ${RATE}/s without wake-ups: p50 ${off.p50.toFixed(1)} ms, p99 ${off.p99.toFixed(1)} ms (${off.count} events)`,
    );
    const cpu = await idleCpu(orm, redis);
    console.log(`idle worker CPU: ${cpu.toFixed(2)} % of one core over ${IDLE_SECONDS} s`);

    console.log(
      '\n| batch | sequential ref | overlapped ref | worker | worker / sequential | worker / overlapped | worker, idempotent append |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) {
      console.log(
        `| ${row.batch} | ${row.sequential.toFixed(0)}/s | ${row.overlapped.toFixed(0)}/s | ${row.worker.toFixed(0)}/s | ${(row.worker / row.sequential).toFixed(2)}x | ${(row.worker / row.overlapped).toFixed(2)}x | ${row.idempotent.toFixed(0)}/s |`,
      );
    }
    console.log(
      `\nlatency p50/p99 at ${RATE}/s: wake-ups on ${on.p50.toFixed(1)}/${on.p99.toFixed(1)} ms, off ${off.p50.toFixed(0)}/${off.p99.toFixed(0)} ms; idle CPU ${cpu.toFixed(2)} %`,
    );
    const suite = 'worker';
    const drained = `${EVENTS.toLocaleString('en-US')}-event drain, PostgreSQL to Redis`;
    record([
      ...rows.flatMap((row) => [
        {
          suite,
          name: `${drained}, batch ${row.batch}`,
          value: row.worker,
          unit: 'events/s',
          reference: 'sequential hand-written loop',
          referenceValue: row.sequential,
          ratio: row.worker / row.sequential,
          target: '>= 1.0x',
          pass: row.worker / row.sequential >= 1,
        },
        {
          suite,
          name: `${drained}, batch ${row.batch}`,
          value: row.worker,
          unit: 'events/s',
          reference: 'overlapped hand-written loop',
          referenceValue: row.overlapped,
          ratio: row.worker / row.overlapped,
          target: '>= 0.9x',
          pass: row.worker / row.overlapped >= 0.9,
        },
        {
          suite,
          name: `${drained}, batch ${row.batch}, idempotent append`,
          value: row.idempotent,
          unit: 'events/s',
          reference: 'overlapped hand-written loop',
          referenceValue: row.overlapped,
          ratio: row.idempotent / row.overlapped,
        },
      ]),
      {
        suite,
        name: `commit-to-stream latency p99 at ${RATE}/s, wake-ups on`,
        value: on.p99,
        unit: 'ms',
        reference: 'p50',
        referenceValue: on.p50,
        target: '<= 10 ms',
        pass: on.p99 <= 10,
      },
      {
        suite,
        name: `commit-to-stream latency p99 at ${RATE}/s, wake-ups off`,
        value: off.p99,
        unit: 'ms',
        reference: 'p50',
        referenceValue: off.p50,
      },
      { suite, name: 'idle worker CPU', value: cpu, unit: '% of a core', target: '< 2%', pass: cpu < 2 },
    ]);
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${TABLE}"`).catch(() => {});
    await pool.end();
    await orm.close(true);
    await redis.stop();
  }
}

if (process.env.BENCH_PACED_PUBLISHER) await pacedPublisher();
else await main();
