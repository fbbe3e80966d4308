// MikroORM outbox store on PostgreSQL: claim + record-published throughput of the store alone at
// batch 100 and 500, next to a hand-written SQL loop doing the same claim and update through `pg`
// in the same run on the same server; then the cost publishEvent adds to a business transaction
// that inserts one row.
//
//   pnpm --filter @dispatch/orm-mikro build && node bench/orm-mikro/run.mjs
//
// Flags: --events 20000 --batch 100,500 --rounds 3 --txs 2000 (medians of the rounds are kept).
// Needs the local PostgreSQL (127.0.0.1:5432, user postgres, database test).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { record } from '../lib/report.mjs';

const packageDir = fileURLToPath(new URL('../../packages/orm-mikro/', import.meta.url));
// Resolve everything from the package, where its dependencies (and dev drivers) are installed.
const requireFromPackage = createRequire(join(packageDir, 'package.json'));
const { mikroOrmStore } = await import(join(packageDir, 'dist/index.js'));
const { createDispatch, createStore, defineBackend, defineConfig, published, silentLogger } = await import(
  requireFromPackage.resolve('@dispatch/core')
);
const { EntitySchema, MikroORM } = requireFromPackage('@mikro-orm/core');
const { PostgreSqlDriver } = requireFromPackage('@mikro-orm/postgresql');
const pg = createRequire(requireFromPackage.resolve('@mikro-orm/postgresql'))('pg');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100,500' },
    rounds: { type: 'string', default: '3' },
    txs: { type: 'string', default: '2000' },
  },
});
const EVENTS = Number(args.events);
const BATCHES = args.batch.split(',').map(Number);
const ROUNDS = Number(args.rounds);
const TXS = Number(args.txs);
const CONNECTION = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const TABLE = `bench_outbox_${process.pid}`;
const ORDERS = `bench_orders_${process.pid}`;
const NOW = '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const Order = new EntitySchema({
  name: 'BenchOrder',
  tableName: ORDERS,
  properties: {
    id: { type: 'number', primary: true, autoincrement: true },
    customer: { type: 'string' },
    total: { type: 'number' },
  },
});

const orm = await MikroORM.init({
  driver: PostgreSqlDriver,
  host: CONNECTION.host,
  port: CONNECTION.port,
  user: CONNECTION.user,
  dbName: CONNECTION.database,
  entities: [Order],
  allowGlobalContext: true,
  debug: false,
});
const acceptAll = defineBackend({
  type: 'accept-all',
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});
const dispatch = await createDispatch(
  defineConfig({
    OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
    OUTBOX_STORE: { BACKEND: mikroOrmStore, OPTIONS: { orm, tableName: TABLE } },
    LOGGING: { LEVEL: 'silent' },
  }),
);
const store = dispatch.store;
const client = new pg.Client(CONNECTION);
await client.connect();

const HAND = `${TABLE}_hand`;
const handStore = await createStore(mikroOrmStore, { orm, tableName: HAND }, { logger: silentLogger });
const { v7 } = createRequire(requireFromPackage.resolve('@dispatch/core'))('uuid');

/** An empty outbox table holding `count` due events, written by the store itself. */
async function seed(target, table, count) {
  await client.query(`DROP TABLE IF EXISTS "${table}"`);
  await target.migrate();
  for (let start = 0; start < count; start += 1000) {
    const events = [];
    for (let n = start; n < Math.min(count, start + 1000); n++) {
      events.push({
        id: v7(),
        specVersion: '1.0',
        eventType: 'bench.happened',
        source: 'bench',
        subject: null,
        dataContentType: 'application/json',
        dataSchema: null,
        data: { n, text: 'x'.repeat(200) },
        key: null,
        extensions: {},
        fields: {},
        backend: 'default',
        maxRetries: 3,
        createdAt: new Date(),
        scheduledAt: null,
      });
    }
    await target.insert(events, { transaction: undefined, onCommit: () => {} });
  }
  await client.query(`VACUUM ANALYZE "${table}"`);
}

/** One claim + record of the store; the number of events it published. */
async function storeStep(batch) {
  const claimed = await store.claim({ owner: 'bench', limit: batch, leaseMs: 60_000 });
  if (claimed.length === 0) return 0;
  const result = await store.record(
    'bench',
    claimed.map((event) => ({ id: event.id, status: 'published' })),
  );
  return result.applied.length;
}

/** The same step written by hand: the classic SKIP LOCKED claim, then one UPDATE ... = ANY. */
async function handStep(batch) {
  const { rows } = await client.query(
    `UPDATE "${HAND}" SET status = 'processing', lease_owner = $1, locked_until = ${NOW} + $2,
       attempts = attempts + 1, updated_at = ${NOW}
     WHERE seq IN (SELECT seq FROM "${HAND}" WHERE status IN ('pending', 'retry') AND available_at <= ${NOW}
                   ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    ['bench', 60_000, batch],
  );
  if (rows.length === 0) return 0;
  const updated = await client.query(
    `UPDATE "${HAND}" SET status = 'published', published_at = ${NOW}, updated_at = ${NOW},
       lease_owner = NULL, locked_until = NULL
     WHERE id = ANY($1) AND status = 'processing' AND lease_owner = $2`,
    [rows.map((row) => row.id), 'bench'],
  );
  return updated.rowCount;
}

console.log(
  `PostgreSQL ${(await client.query('SHOW server_version')).rows[0].server_version}, ${EVENTS} events per drain, ${ROUNDS} rounds (median)`,
);
console.log('\nclaim + record published, one worker, the two loops interleaved step by step (events/s):');
console.log('batch | store    | hand SQL | ratio');
for (const batch of BATCHES) {
  const mine = [];
  const hand = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    await seed(store, TABLE, EVENTS);
    await seed(handStore, HAND, EVENTS);
    // Alternate the steps so both loops run under the same load on this shared machine.
    const totals = { store: { n: 0, ms: 0, done: false }, hand: { n: 0, ms: 0, done: false } };
    for (let step = 0; !totals.store.done || !totals.hand.done; step++) {
      for (const side of step % 2 === 0 ? ['store', 'hand'] : ['hand', 'store']) {
        const total = totals[side];
        if (total.done) continue;
        const started = performance.now();
        const n = side === 'store' ? await storeStep(batch) : await handStep(batch);
        total.ms += performance.now() - started;
        total.n += n;
        if (n === 0) total.done = true;
      }
    }
    for (const [side, total] of Object.entries(totals)) {
      if (total.n !== EVENTS) throw new Error(`${side} published ${total.n} of ${EVENTS}`);
    }
    mine.push((totals.store.n / totals.store.ms) * 1000);
    hand.push((totals.hand.n / totals.hand.ms) * 1000);
    ratios.push(totals.hand.ms / totals.store.ms);
  }
  console.log(
    `${String(batch).padStart(5)} | ${median(mine).toFixed(0).padStart(8)} | ${median(hand).toFixed(0).padStart(8)} | ${median(ratios).toFixed(2)}x`,
  );
  record([
    {
      suite: 'orm-mikro',
      name: `claim + record published, PostgreSQL, batch ${batch}`,
      value: median(mine),
      unit: 'events/s',
      reference: 'hand-written SQL loop',
      referenceValue: median(hand),
      ratio: median(ratios),
      target: '>= 0.9x',
      pass: median(ratios) >= 0.9,
    },
  ]);
}
await client.query(`DROP TABLE IF EXISTS "${HAND}"`);
await handStore.close();

// The cost publishEvent adds to a business transaction that inserts one row.
// Plain DDL: MikroORM's schema tools inspect every table of the shared database.
await client.query(
  `CREATE TABLE "${ORDERS}" (id serial PRIMARY KEY, customer varchar(255) NOT NULL, total int NOT NULL)`,
);
await client.query(`DROP TABLE IF EXISTS "${TABLE}"`);
await store.migrate();
const quiet = await createDispatch(
  defineConfig({
    OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
    OUTBOX_STORE: { BACKEND: mikroOrmStore, OPTIONS: { orm, tableName: TABLE, notifyChannel: false } },
    LOGGING: { LEVEL: 'silent' },
  }),
);
const COLUMNS =
  'id, spec_version, event_type, source, subject, data_content_type, data_schema, data, ordering_key, extensions, fields, backend, max_retries, created_at, status, attempts, available_at, updated_at, history';
const business = (write) =>
  orm.em.fork().transactional(async (em) => {
    const order = em.create(Order, { customer: 'ada', total: 42 });
    await em.flush();
    await write?.(em, order);
  });
const publish = (target, key) => (em, order) =>
  target.publisher.publishEvent(
    { eventType: 'order.created', source: 'bench', data: { orderId: order.id }, key },
    { transaction: em },
  );
// The floor: the same outbox row written by a hand-made INSERT in the same transaction.
const handInsert = (em, order) =>
  em
    .getConnection()
    .execute(
      `INSERT INTO "${TABLE}" (${COLUMNS}) VALUES (?, '1.0', 'order.created', 'bench', NULL, 'application/json', NULL, ?, NULL, '{}', '{}', 'default', 3, ?, 'pending', 0, ${NOW}, ${NOW}, '[]')`,
      [v7(), JSON.stringify({ orderId: order.id }), Date.now()],
      'run',
      em.getTransactionContext(),
    );
// Variants interleave transaction by transaction, so drift on this shared machine hits all alike;
// the median transaction time of each is reported.
const variants = {
  'without an event': () => business(),
  'hand-written INSERT of the row': () => business(handInsert),
  'publishEvent, no NOTIFY': () => business(publish(quiet, null)),
  'publishEvent (default)': () => business(publish(dispatch, null)),
  'publishEvent, keyed': (n) => business(publish(dispatch, `order-${n}`)),
};
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const names = Object.keys(variants);
for (let n = 0; n < 200; n++) await variants[names[n % names.length]](n); // warm up
for (let n = 0; n < TXS * ROUNDS; n++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(n + i) % names.length];
    const started = performance.now();
    await variants[name](n);
    samples[name].push(performance.now() - started);
  }
}
const plain = median(samples['without an event']);
console.log(
  `\nbusiness transaction inserting one row, ${TXS * ROUNDS} transactions per variant (median ms):`,
);
for (const name of names) {
  const ms = median(samples[name]);
  const extra =
    name === names[0]
      ? ''
      : `  (+${(ms - plain).toFixed(3)} ms, +${(((ms - plain) / plain) * 100).toFixed(1)}%)`;
  console.log(`  ${`${name}:`.padEnd(32)} ${ms.toFixed(3)}${extra}`);
}
const withEvent = median(samples['publishEvent (default)']);
const floor = median(samples['hand-written INSERT of the row']);
record([
  {
    suite: 'orm-mikro',
    name: 'business transaction + publishEvent (one row, PostgreSQL)',
    value: withEvent,
    unit: 'ms',
    reference: 'the transaction without an event',
    referenceValue: plain,
    ratio: withEvent / plain,
    target: '<= +10% or +0.2 ms',
    pass: withEvent - plain <= 0.2 || withEvent / plain <= 1.1,
  },
  {
    suite: 'orm-mikro',
    name: 'business transaction + publishEvent, over a hand-written INSERT of the row',
    value: withEvent,
    unit: 'ms',
    reference: 'same transaction with a hand-written INSERT',
    referenceValue: floor,
    ratio: withEvent / floor,
  },
]);

await client.query(`DROP TABLE IF EXISTS "${TABLE}"`);
await client.query(`DROP TABLE IF EXISTS "${ORDERS}"`);
await client.end();
await quiet.close();
await dispatch.close();
await orm.close(true);
