import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerDrain as drainWith, fillOutbox, publishedCount, resetOutbox } from '../lib/drain.mjs';
import { median } from '../lib/events.mjs';
import { openMikroOrm } from '../lib/mikro-orm.mjs';
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
const pg = createRequire(fromWorker.resolve('@mikro-orm/postgresql'))('pg');
const { Redis } = createRequire(fromWorker.resolve('@dispatch/backend-redis-stream'))('ioredis');

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCHES = (process.env.BENCH_BATCH ?? '100,500').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_LATENCY_WARMUP_SECONDS ?? 2);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Unset: the worker's own default, for every drain of the run alike.
const SLEEP_TIME =
  process.env.BENCH_SLEEP_TIME === undefined ? undefined : Number(process.env.BENCH_SLEEP_TIME);
const KEYED_EVENTS = Number(process.env.BENCH_KEYED_EVENTS ?? 20_000);
const KEYED_BACKLOG = Number(process.env.BENCH_KEYED_BACKLOG ?? 10_000);
const KEYED_ROUNDS = Number(process.env.BENCH_KEYED_ROUNDS ?? ROUNDS);
// A keyed drain slower than this is reported as not finished (with its rate so far), not waited for.
const KEYED_TIMEOUT_SECONDS = Number(process.env.BENCH_KEYED_TIMEOUT ?? 60);
// 'worker': time the worker's drains alone (profiling); 'latency': only the latency with wake-ups;
// 'keyed': only the drains with ordering keys and their unkeyed references.
const ONLY = process.env.BENCH_ONLY;
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const TABLE = process.env.BENCH_TABLE ?? `bench_worker_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
/** Every table this run created, dropped at the end. */
const tables = [TABLE];
const STREAM = 'bench';
const NOW = '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';

const openOrm = () => openMikroOrm(load, PG);

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
    OUTBOX_WORKER: {
      BATCH_SIZE: worker.batchSize ?? 100,
      ...(SLEEP_TIME === undefined ? {} : { SLEEP_TIME }),
    },
    OUTBOX_RETENTION: { CLEANUP_PUBLISHED: false },
    LOGGING: { LEVEL: 'warn' },
  };
}

async function openDispatch(orm, redisPort, worker = {}, table = TABLE) {
  const settings = settingsFor(redisPort, worker);
  settings.OUTBOX_PUBLISHERS.default.BACKEND = redisStreamBackend;
  return createDispatch({
    ...settings,
    OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName: table } },
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
async function reset(pool, redis, table = TABLE) {
  await resetOutbox(pool, table);
  await redis.client.del(STREAM);
}

/** An empty, vacuumed table: dead rows left by the drains would slow every claim that follows. */
async function clear(pool) {
  await pool.query(`DELETE FROM "${TABLE}"`);
  await pool.query(`VACUUM ANALYZE "${TABLE}"`);
}

/**
 * Read the stream back and hold it against `written`: every entry one of its events, none twice,
 * carrying its key, and each key's entries exactly its events in write order from the first (a
 * drain cut short may stop anywhere, but never skip ahead within a key). With `complete`, every
 * event must be there. Throws on any breach: a fast drain that misorders or loses events is no result.
 */
async function checkStream(redis, written, complete) {
  const byId = new Map(); // id -> its key and its place among the key's events
  const perKey = new Map(); // key -> how many of its events there are, and the place due next
  for (const event of written) {
    const run = event.key === null ? null : (perKey.get(event.key) ?? { count: 0, next: 0 });
    if (run) perKey.set(event.key, run);
    byId.set(event.id, { key: event.key, at: run ? run.count++ : null });
  }
  const seen = new Set();
  const problems = [];
  let start = '-';
  for (;;) {
    const page = await redis.client.xrange(STREAM, start, '+', 'COUNT', 1000);
    for (const [entry, flat] of page) {
      const fields = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
      const id = fields.event_id;
      const key = fields.key ?? null;
      const event = byId.get(id);
      if (!event) problems.push(`entry ${entry}: event ${id} was never written`);
      else if (seen.has(id)) problems.push(`entry ${entry}: event ${id} appended twice`);
      else if (key !== event.key) problems.push(`entry ${entry}: key ${key}, written with ${event.key}`);
      else if (key !== null) {
        const run = perKey.get(key);
        if (event.at > run.next) {
          problems.push(`key ${key}: its event #${event.at + 1} at entry ${entry}, before #${run.next + 1}`);
        } else if (event.at < run.next) {
          problems.push(`key ${key}: its event #${event.at + 1} at entry ${entry}, after #${run.next}`);
        }
        run.next = Math.max(run.next, event.at + 1);
      }
      seen.add(id);
    }
    if (page.length < 1000) break;
    start = `(${page[page.length - 1][0]}`;
  }
  if (complete && seen.size < written.length) {
    problems.push(`${written.length - seen.size} of ${written.length} events are not in the stream`);
  }
  if (problems.length > 0) {
    throw new Error(`stream check failed (${problems.length}):\n  ${problems.slice(0, 20).join('\n  ')}`);
  }
  return seen.size;
}

/** Python's `isoformat()` of a UTC time, the stream's `timestamp` form. */
function isoformat(ms) {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}${ms % 1000 === 0 ? '' : `.${iso.slice(20, 23)}000`}+00:00`;
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
    isoformat(Number(row.created_at)),
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
  const published = await publishedCount(pool, TABLE);
  if (published !== EVENTS) throw new Error(`drain left ${EVENTS - published} events unpublished`);
  return EVENTS / seconds;
}

/**
 * One worker in this process drains `table` of its `events`; the clock stops when its metrics count
 * every one published, or after `timeoutSeconds` (then `rate` is what it published so far).
 */
async function workerDrain(
  orm,
  redis,
  batchSize,
  { idempotent = false, events = EVENTS, table = TABLE, timeoutSeconds = Number.POSITIVE_INFINITY } = {},
) {
  const dispatch = await openDispatch(orm, redis.port, { batchSize, idempotent }, table);
  return drainWith(Worker, dispatch, { events, timeoutSeconds });
}

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

/** The keyed drains' backlogs: the same events without a key, spread round-robin over 100 keys, on one key. */
const SHAPES = [
  { name: 'no key', suffix: 'k0', keyOf: () => null },
  { name: '100 keys', suffix: 'k100', keyOf: (n) => `customer-${n % 100}`, target: 0.9 },
  { name: '1 key', suffix: 'k1', keyOf: () => 'customer-0', target: 0.5 },
];
/** The worker's default BATCH_SIZE, for the one-key backlog. */
const BACKLOG_BATCH = 100;

/** A table of its own, migrated and filled with `count` events keyed by `keyOf`. */
async function filledTable(orm, redis, suffix, count, keyOf) {
  const table = `${TABLE}_${suffix}`;
  tables.push(table);
  const setup = await openDispatch(orm, redis.port, {}, table);
  await setup.store.migrate();
  const started = performance.now();
  const written = await fillOutbox(setup, count, keyOf);
  await setup.close();
  console.log(
    `filled ${count} events in ${((performance.now() - started) / 1000).toFixed(1)} s (table ${table})`,
  );
  return { table, written };
}

/** Reset `table`, drain it with one worker (at most KEYED_TIMEOUT_SECONDS), check the stream against it. */
async function checkedDrain(orm, pool, redis, batch, { table, written }) {
  await reset(pool, redis, table);
  const drain = await workerDrain(orm, redis, batch, {
    events: written.length,
    table,
    timeoutSeconds: KEYED_TIMEOUT_SECONDS,
  });
  await checkStream(redis, written, drain.finished);
  if (drain.finished) {
    const published = await publishedCount(pool, table);
    if (published !== written.length) {
      throw new Error(
        `${table}: ${written.length - published} events not recorded as published after the drain`,
      );
    }
  }
  return drain;
}

const unfinished = (drain, of) =>
  drain.finished
    ? ''
    : ` (did not finish in ${KEYED_TIMEOUT_SECONDS} s: ${drain.published.toLocaleString('en-US')} of ${of.toLocaleString('en-US')} published)`;

/**
 * Drains with ordering keys, each next to the drain of the same events without keys, with the same
 * worker settings, in the same run: 100 keys and 1 key at every batch size, then the time one
 * worker takes through a one-key backlog. Rounds alternate the three backlogs.
 */
async function keyedDrains(orm, pool, redis) {
  const backlogs = [];
  for (const shape of SHAPES) {
    backlogs.push({ ...shape, ...(await filledTable(orm, redis, shape.suffix, KEYED_EVENTS, shape.keyOf)) });
  }
  const suite = 'worker';
  const drained = `${KEYED_EVENTS.toLocaleString('en-US')}-event drain, PostgreSQL to Redis`;
  const rows = [];
  for (const batch of BATCHES) {
    const runs = backlogs.map(() => []);
    for (let round = 0; round < KEYED_ROUNDS; round += 1) {
      for (const [i, backlog] of backlogs.entries()) {
        // A drain that ran out of time would only do so again.
        if (runs[i].some((drain) => !drain.finished)) continue;
        runs[i].push(await checkedDrain(orm, pool, redis, batch, backlog));
      }
    }
    const [reference, ...keyed] = runs.map((drains) => median(drains, (drain) => drain.rate));
    console.log(
      `batch ${batch}: ${backlogs
        .map((backlog, i) => {
          const drain = i === 0 ? reference : keyed[i - 1];
          return `${backlog.name} ${drain.rate.toFixed(0)}/s${unfinished(drain, KEYED_EVENTS)}`;
        })
        .join(', ')}`,
    );
    keyed.forEach((drain, i) => {
      const { name, target } = backlogs[i + 1];
      const ratio = drain.rate / reference.rate;
      rows.push({
        suite,
        name: `${drained}, batch ${batch}, ${name}${unfinished(drain, KEYED_EVENTS)}`,
        value: drain.rate,
        unit: 'events/s',
        reference: `the same drain without keys${unfinished(reference, KEYED_EVENTS)}`,
        referenceValue: reference.rate,
        ratio,
        target: `>= ${target}x`,
        pass: drain.finished && reference.finished && ratio >= target,
      });
    });
  }

  const oneKey = await filledTable(orm, redis, 'backlog1', KEYED_BACKLOG, () => 'customer-0');
  const noKey = await filledTable(orm, redis, 'backlog0', KEYED_BACKLOG, () => null);
  const backlog = await checkedDrain(orm, pool, redis, BACKLOG_BATCH, oneKey);
  const reference = await checkedDrain(orm, pool, redis, BACKLOG_BATCH, noKey);
  console.log(
    `${KEYED_BACKLOG}-event backlog on 1 key, batch ${BACKLOG_BATCH}: ${backlog.seconds.toFixed(2)} s${unfinished(backlog, KEYED_BACKLOG)} ` +
      `(without a key ${reference.seconds.toFixed(2)} s)`,
  );
  rows.push({
    suite,
    name: `${KEYED_BACKLOG.toLocaleString('en-US')}-event backlog on 1 key, one worker, batch ${BACKLOG_BATCH}${unfinished(backlog, KEYED_BACKLOG)}`,
    value: backlog.seconds,
    unit: 's',
    reference: `the same backlog without a key${unfinished(reference, KEYED_BACKLOG)}`,
    referenceValue: reference.seconds,
    ratio: backlog.seconds / reference.seconds,
    target: '< 10 s',
    pass: backlog.finished && backlog.seconds < 10,
  });
  record(rows);
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
    if (ONLY === 'keyed') {
      await setup.close();
      await keyedDrains(orm, pool, redis);
      return;
    }
    const fillStarted = performance.now();
    await fillOutbox(setup, EVENTS);
    await setup.close();
    console.log(
      `filled ${EVENTS} events in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s (table ${TABLE})`,
    );

    const rows = [];
    for (const batch of BATCHES) {
      const reference = referenceLoop(pool, redis, batch);
      if (ONLY === 'worker') {
        await reset(pool, redis);
        console.log(`batch ${batch}: worker ${(await workerDrain(orm, redis, batch)).rate.toFixed(0)}/s`);
        continue;
      }
      const runs = { sequential: [], overlapped: [], worker: [], idempotent: [] };
      for (let round = 0; round < ROUNDS; round += 1) {
        await reset(pool, redis);
        runs.sequential.push(await timeDrain(pool, () => reference.sequential()));
        await reset(pool, redis);
        runs.overlapped.push(await timeDrain(pool, () => reference.overlapped()));
        await reset(pool, redis);
        runs.worker.push((await workerDrain(orm, redis, batch)).rate);
        await reset(pool, redis);
        runs.idempotent.push((await workerDrain(orm, redis, batch, { idempotent: true })).rate);
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
        // The worker's drain next to each reference loop, with the least ratio it must reach.
        ...[
          ['sequential hand-written loop', row.sequential, 1],
          ['overlapped hand-written loop', row.overlapped, 0.9],
        ].map(([reference, referenceValue, least]) => ({
          suite,
          name: `${drained}, batch ${row.batch}`,
          value: row.worker,
          unit: 'events/s',
          reference,
          referenceValue,
          ratio: row.worker / referenceValue,
          target: `>= ${least.toFixed(1)}x`,
          pass: row.worker / referenceValue >= least,
        })),
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
    await clear(pool);
    await keyedDrains(orm, pool, redis);
  } finally {
    for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`).catch(() => {});
    await pool.end();
    await orm.close(true);
    await redis.stop();
  }
}

if (process.env.BENCH_PACED_PUBLISHER) await pacedPublisher();
else await main();
