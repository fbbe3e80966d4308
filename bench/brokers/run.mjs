// The NATS JetStream and RabbitMQ backends: their batch publish rate next to the broker client's
// own pipelined publish of the same messages, interleaved round by round in the same run; then a
// PostgreSQL outbox backlog drained by one worker to each broker, next to the same drain to Redis
// measured in the same run.
//
//   pnpm --filter @dispatch/backend-nats --filter @dispatch/backend-rabbitmq --filter @dispatch/test-services build && node bench/brokers/run.mjs
//
// Flags: --backend nats,rabbitmq (default both) --events 20000 --batch 100,1000 --rounds 3
// --drain-events 20000 --drain-batch 100 --only publish|drain. Needs NATS with JetStream on
// 127.0.0.1:4222, RabbitMQ on 127.0.0.1:5672 (guest/guest) and PostgreSQL on 127.0.0.1:5432; Redis
// is a throwaway redis-server. Streams, exchanges, queues and the table have names of their own
// and are deleted at the end. What each broker needs is in bench/brokers/<broker>.mjs.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { fillOutbox, publishedCount, resetOutbox, workerDrain } from '../lib/drain.mjs';
import { median, outboxEvent } from '../lib/events.mjs';
import { fromPackage } from '../lib/from-package.mjs';
import { openMikroOrm } from '../lib/mikro-orm.mjs';
import { record } from '../lib/report.mjs';
import { startRedis } from '../lib/throwaway-redis.mjs';

const BROKERS = ['nats', 'rabbitmq'];
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: BROKERS.join(',') },
    events: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100,1000' },
    rounds: { type: 'string', default: '3' },
    'drain-events': { type: 'string', default: '20000' },
    'drain-batch': { type: 'string', default: '100' },
    only: { type: 'string' },
  },
});
const wanted = args.backend.split(',').filter(Boolean);
for (const name of wanted) {
  if (!BROKERS.includes(name)) throw new Error(`--backend ${name}: expected one of ${BROKERS.join(', ')}`);
}
if (args.only !== undefined && !['publish', 'drain'].includes(args.only)) {
  throw new Error(`--only ${args.only}: expected publish or drain`);
}
const EVENTS = Number(args.events);
const BATCHES = args.batch.split(',').map(Number);
const ROUNDS = Number(args.rounds);
const DRAIN_EVENTS = Number(args['drain-events']);
const DRAIN_BATCH = Number(args['drain-batch']);
const DRAIN_TIMEOUT_SECONDS = 300;
const RUN_ID = randomUUID().replaceAll('-', '').slice(0, 10);
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const SUITE = 'brokers';
const RAW = {
  nats: 'nats.js js.publish, batch started together + Promise.all',
  rabbitmq: 'amqplib ConfirmChannel, publish batch + waitForConfirms',
};

const modules = {};
for (const name of wanted) modules[name] = await import(`./${name}.mjs`);
const worker = fromPackage('worker');
const { createBackend, createDispatch, silentLogger } = await worker.import('@dispatch/core');

const rate = (count, started) => count / ((performance.now() - started) / 1000);
const fresh = (count) => Array.from({ length: count }, (_, n) => outboxEvent(n));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function backendRun(definition, target, events, batch) {
  const backend = await createBackend(definition, target.options, { name: 'bench', logger: silentLogger });
  await backend.health(); // connect (and create the stream) outside the timed part
  const started = performance.now();
  let failed = 0;
  let firstError;
  for (let i = 0; i < events.length; i += batch) {
    for (const outcome of await backend.publish(events.slice(i, i + batch))) {
      if (!outcome.ok) {
        failed += 1;
        firstError ??= outcome.error;
      }
    }
  }
  const result = rate(events.length, started);
  await backend.close();
  if (failed > 0) throw new Error(`${failed} events failed to publish: ${firstError?.message}`);
  return result;
}

async function rawRun(target, events, batch) {
  const started = performance.now();
  await target.raw(events, batch);
  return rate(events.length, started);
}

/** Publish rate, backend and raw client interleaved (their order swapped each round), per batch size. */
async function publishRows(name, mod, broker) {
  const target = await broker.target();
  // Warm-up, not measured: the stream is created, both code paths are compiled.
  await backendRun(mod.definition, target, fresh(1000), 100);
  await rawRun(target, fresh(1000), 100);
  const rows = [];
  for (const batch of BATCHES) {
    const runs = { backend: [], raw: [], ratio: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? ['backend', 'raw'] : ['raw', 'backend'];
      const measured = {};
      for (const which of order) {
        await target.clear();
        const events = fresh(EVENTS);
        measured[which] =
          which === 'backend'
            ? await backendRun(mod.definition, target, events, batch)
            : await rawRun(target, events, batch);
        const stored = await target.count();
        if (stored !== EVENTS) throw new Error(`${name} ${which}: ${stored} of ${EVENTS} messages stored`);
      }
      runs.backend.push(measured.backend);
      runs.raw.push(measured.raw);
      runs.ratio.push(measured.backend / measured.raw);
      console.log(
        `${name} batch ${batch} round ${round + 1}: backend ${fmt(measured.backend)}/s, raw ${fmt(measured.raw)}/s, ${(measured.backend / measured.raw).toFixed(2)}x`,
      );
    }
    await target.clear();
    const ratio = median(runs.ratio);
    rows.push({
      suite: SUITE,
      name: `${EVENTS.toLocaleString('en-US')} events, batch ${batch}, ${name} backend`,
      value: median(runs.backend),
      unit: 'events/s',
      reference: RAW[name],
      referenceValue: median(runs.raw),
      ratio,
      target: '>= 0.8x (median of per-round ratios)',
      pass: ratio >= 0.8,
    });
  }
  return rows;
}

/** The Redis contender of the drains, on a throwaway redis-server, shaped like a broker module's. */
function redisBroker(redis, runId) {
  let targets = 0;
  return {
    info: `redis-server on 127.0.0.1:${redis.port}`,
    target() {
      targets += 1;
      const stream = `bench:${runId}:${targets}`;
      return {
        // Plain XADD, no trimming, as bench/worker drains.
        options: {
          host: '127.0.0.1',
          port: redis.port,
          stream_name: stream,
          max_len: null,
          idempotent: false,
        },
        count: () => redis.client.xlen(stream),
        clear: () => redis.client.del(stream),
      };
    },
  };
}

/** One worker drains the same backlog to Redis and to each broker, the order rotated each round. */
async function drainRows(brokers) {
  const { Worker } = await worker.dist();
  const { mikroOrmStore } = await worker.import('@dispatch/orm-mikro');
  const { redisStreamBackend } = await worker.import('@dispatch/backend-redis-stream');
  const fromWorker = createRequire(`${worker.packageDir}package.json`);
  const pg = createRequire(fromWorker.resolve('@mikro-orm/postgresql'))('pg');
  const { Redis } = createRequire(fromWorker.resolve('@dispatch/backend-redis-stream'))('ioredis');

  const table = `bench_brokers_${RUN_ID}`;
  const redis = await startRedis(Redis);
  const orm = await openMikroOrm(worker.import, PG);
  const pool = new pg.Pool({ ...PG, max: 2 });
  const contenders = [
    { name: 'redis', definition: redisStreamBackend, broker: redisBroker(redis, RUN_ID) },
    ...brokers.map(({ name, mod, broker }) => ({ name, definition: mod.definition, broker })),
  ];
  const dispatchFor = (definition, options) =>
    createDispatch({
      OUTBOX_PUBLISHERS: { default: { BACKEND: definition, OPTIONS: options } },
      OUTBOX_WORKER: { BATCH_SIZE: DRAIN_BATCH },
      OUTBOX_RETENTION: { CLEANUP_PUBLISHED: false },
      LOGGING: { LEVEL: 'warn' },
      OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName: table } },
    });
  try {
    const setup = await dispatchFor(redisStreamBackend, contenders[0].broker.target().options);
    await setup.store.migrate();
    const started = performance.now();
    await fillOutbox(setup, DRAIN_EVENTS);
    await setup.close();
    console.log(
      `filled ${DRAIN_EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s (table ${table})`,
    );
    const runs = new Map(contenders.map(({ name }) => [name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
      for (const { name, definition, broker } of order) {
        const target = await broker.target();
        await resetOutbox(pool, table);
        const drain = await workerDrain(Worker, await dispatchFor(definition, target.options), {
          events: DRAIN_EVENTS,
          timeoutSeconds: DRAIN_TIMEOUT_SECONDS,
        });
        if (!drain.finished) throw new Error(`${name}: drain did not finish in ${DRAIN_TIMEOUT_SECONDS} s`);
        const stored = await target.count();
        const recorded = await publishedCount(pool, table);
        if (stored !== DRAIN_EVENTS || recorded !== DRAIN_EVENTS) {
          throw new Error(
            `${name}: ${stored} messages stored, ${recorded} rows published, of ${DRAIN_EVENTS}`,
          );
        }
        await target.clear();
        runs.get(name).push(drain.rate);
        console.log(
          `drain round ${round + 1}, ${name}: ${fmt(drain.rate)}/s (${drain.seconds.toFixed(2)} s)`,
        );
      }
    }
    const reference = runs.get('redis');
    return brokers.map(({ name }) => {
      const rates = runs.get(name);
      return {
        suite: SUITE,
        name: `${DRAIN_EVENTS.toLocaleString('en-US')}-event drain, PostgreSQL to ${name}, one worker, batch ${DRAIN_BATCH}`,
        value: median(rates),
        unit: 'events/s',
        reference: 'the same drain to Redis (median of per-round ratios)',
        referenceValue: median(reference),
        ratio: median(rates.map((value, i) => value / reference[i])),
      };
    });
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`).catch(() => {});
    await pool.end();
    await orm.close(true);
    await redis.stop();
  }
}

const brokers = [];
try {
  for (const name of wanted) {
    const broker = await modules[name].open(RUN_ID);
    brokers.push({ name, mod: modules[name], broker });
    console.log(`${name}: ${broker.info}`);
  }
  console.log(
    `node ${process.version}; ${new Date().toISOString()}; publish ${EVENTS} events per run, batch ${BATCHES.join(',')}; drain ${DRAIN_EVENTS} events, batch ${DRAIN_BATCH}; ${ROUNDS} rounds\n`,
  );
  const rows = [];
  if (args.only !== 'drain') {
    for (const { name, mod, broker } of brokers) rows.push(...(await publishRows(name, mod, broker)));
  }
  if (args.only !== 'publish') rows.push(...(await drainRows(brokers)));
  console.log('\n| measurement | events/s | reference | events/s | ratio | target |');
  console.log('|---|---:|---|---:|---:|---|');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${fmt(row.value)} | ${row.reference} | ${fmt(row.referenceValue)} | ${row.ratio.toFixed(2)}x | ${row.target ? `${row.target}: ${row.pass ? 'met' : 'NOT met'}` : ''} |`,
    );
  }
  record(rows);
} finally {
  for (const { broker } of brokers) await broker.close().catch(() => undefined);
}
