// The ORM outbox stores on PostgreSQL, one after another: claim + record-published throughput of
// the store alone at batch 100 and 500, next to a hand-written SQL loop doing the same claim and
// update through `pg` in the same run on the same server; then the cost publishEvent adds to a
// business transaction that inserts one row, next to the same transaction with a hand-written
// INSERT of the outbox row through the same ORM.
//
//   pnpm --filter '@dispatch/orm-*' build && node bench/stores/run.mjs
//   node bench/stores/run.mjs --store prisma           # one store (or a list: --store mikro,kysely)
//
// Flags: --store mikro,drizzle,kysely,prisma,typeorm (default: all five) --events 20000
// --batch 100,500 --rounds 3 --txs 2000 (medians of the rounds are kept). Each store runs in a
// process of its own, so the ORMs loaded for one do not weigh on the next.
// Needs the local PostgreSQL (127.0.0.1:5432, user postgres, database test). What each ORM needs
// (its package dir, how it opens, its transactions) is in bench/stores/<store>.mjs.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { record } from '../lib/report.mjs';

const STORES = ['mikro', 'drizzle', 'kysely', 'prisma', 'typeorm'];

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: STORES.join(',') },
    events: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100,500' },
    rounds: { type: 'string', default: '3' },
    txs: { type: 'string', default: '2000' },
  },
});
const wanted = args.store.split(',').filter(Boolean);
for (const name of wanted) {
  if (!STORES.includes(name)) throw new Error(`--store ${name}: expected one of ${STORES.join(', ')}`);
}

if (wanted.length > 1) {
  // One child per store, one after the other: never two ORMs' runs on the shared cores at once.
  const flags = ['events', 'batch', 'rounds', 'txs'].flatMap((flag) => [`--${flag}`, args[flag]]);
  let failed = 0;
  for (const name of wanted) {
    console.log(`\n--- ${name} ---`);
    const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--store', name, ...flags], {
      stdio: 'inherit',
    });
    if (result.status !== 0) {
      console.log(`(${name}: exited with ${result.status})`);
      failed++;
    }
  }
  process.exit(failed > 0 ? 1 : 0);
}

const EVENTS = Number(args.events);
const BATCHES = args.batch.split(',').map(Number);
const ROUNDS = Number(args.rounds);
const TXS = Number(args.txs);
const CONNECTION = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const TABLE = `bench_outbox_${process.pid}`;
const HAND = `${TABLE}_hand`;
const ORDERS = `bench_orders_${process.pid}`;
const NOW = '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const adapter = await import(`./${wanted[0]}.mjs`);
const SUITE = adapter.suite;
const orm = await adapter.open({ connection: CONNECTION, orders: ORDERS });
// Core as the store's package resolves it: the instance its build checks definitions against.
const { createDispatch, createStore, defineBackend, defineConfig, published, silentLogger } =
  await adapter.pkg.import('@dispatch/core');
const { v7 } = await adapter.pkg.importVia('@dispatch/core', 'uuid');

const acceptAll = defineBackend({
  type: 'accept-all',
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});
const dispatchWith = (options) =>
  createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
      OUTBOX_STORE: { STORE: orm.store, OPTIONS: { ...orm.options, tableName: TABLE, ...options } },
      LOGGING: { LEVEL: 'silent' },
    }),
  );
const dispatch = await dispatchWith({});
const store = dispatch.store;
const client = new orm.pg.Client(CONNECTION);
await client.connect();
const handStore = await createStore(orm.store, { ...orm.options, tableName: HAND }, { logger: silentLogger });

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
  `${SUITE}: PostgreSQL ${(await client.query('SHOW server_version')).rows[0].server_version}, ${EVENTS} events per drain, ${ROUNDS} rounds (median)`,
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
      suite: SUITE,
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
// Plain DDL: some ORMs' schema tools inspect every table of the shared database.
await client.query(
  `CREATE TABLE "${ORDERS}" (id serial PRIMARY KEY, customer varchar(255) NOT NULL, total int NOT NULL)`,
);
await client.query(`DROP TABLE IF EXISTS "${TABLE}"`);
await store.migrate();
const quiet = await dispatchWith({ notifyChannel: false });

// The floor: the same outbox row written by a hand-made INSERT through the ORM, in the same
// transaction. As a template (literal parts and values), so each ORM binds the values its own way.
const INSERT_PARTS = [
  `INSERT INTO "${TABLE}" (id, spec_version, event_type, source, subject, data_content_type, data_schema, data, ordering_key, extensions, fields, backend, max_retries, created_at, status, attempts, available_at, updated_at, history) VALUES (`,
  ", '1.0', 'order.created', 'bench', NULL, 'application/json', NULL, ",
  ", NULL, '{}', '{}', 'default', 3, ",
  `::bigint, 'pending', 0, ${NOW}, ${NOW}, '[]')`,
];
const handInsert = (tx, orderId) =>
  orm.execute(tx, INSERT_PARTS, [v7(), JSON.stringify({ orderId }), Date.now()]);
const publish = (target, key) => (tx, orderId) =>
  target.publisher.publishEvent(
    { eventType: 'order.created', source: 'bench', data: { orderId }, key },
    { transaction: tx },
  );
// `orm.transaction` is the ORM's own transaction, as the application writes it without an outbox;
// `orm.outboxTransaction` the one the store's README says to publish in (the same for ORMs whose
// commits the store sees by itself).
const variants = {
  'without an event': () => orm.transaction(),
  'hand-written INSERT of the row': () => orm.transaction(handInsert),
  ...(orm.outboxTransaction === orm.transaction
    ? {}
    : { 'hand-written INSERT, outbox wrapper': () => orm.outboxTransaction(handInsert) }),
  'publishEvent, no NOTIFY': () => orm.outboxTransaction(publish(quiet, null)),
  'publishEvent (default)': () => orm.outboxTransaction(publish(dispatch, null)),
  'publishEvent, keyed': (n) => orm.outboxTransaction(publish(dispatch, `order-${n}`)),
};
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
const names = Object.keys(variants);
// Variants interleave transaction by transaction, so drift on this shared machine hits all alike;
// the median transaction time of each is reported.
for (let n = 0; n < 200; n++) await variants[names[n % names.length]](n); // warm up
for (let n = 0; n < TXS * ROUNDS; n++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(n + i) % names.length];
    const started = performance.now();
    await variants[name](n);
    samples[name].push(performance.now() - started);
  }
}
const { rows: counted } = await client.query(`SELECT count(*)::int AS n FROM "${TABLE}"`);
// Every variant but the first writes one outbox row per transaction, warm-up included.
const expected = (names.length - 1) * TXS * ROUNDS + 200 - Math.ceil(200 / names.length);
if (counted[0].n !== expected) throw new Error(`the outbox holds ${counted[0].n} rows, not ${expected}`);
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
  console.log(`  ${`${name}:`.padEnd(38)} ${ms.toFixed(3)}${extra}`);
}
const withEvent = median(samples['publishEvent (default)']);
const floor = median(samples['hand-written INSERT of the row']);
console.log(`  publishEvent (default) / hand-written INSERT: ${(withEvent / floor).toFixed(2)}x`);
record([
  {
    suite: SUITE,
    name: 'business transaction + publishEvent (one row, PostgreSQL)',
    value: withEvent,
    unit: 'ms',
    reference: 'same transaction with a hand-written INSERT of the row',
    referenceValue: floor,
    ratio: withEvent / floor,
    target: '<= 1.1x',
    pass: withEvent / floor <= 1.1,
  },
  {
    suite: SUITE,
    name: 'business transaction + publishEvent, over the transaction without an event',
    value: withEvent,
    unit: 'ms',
    reference: 'the transaction without an event',
    referenceValue: plain,
    ratio: withEvent / plain,
  },
]);

await client.query(`DROP TABLE IF EXISTS "${TABLE}"`);
await client.query(`DROP TABLE IF EXISTS "${ORDERS}"`);
await client.end();
await quiet.close();
await dispatch.close();
await orm.close();
