// Time to first byte of the events page and the overview on a 1,000,000-row PostgreSQL outbox,
// each next to a reference measured in the same run: the SQL that page issues, timed alone.
//   pnpm --filter @dispatch/dashboard build && node packages/dashboard/bench/first-page.mjs [rows]
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createStore, silentLogger } from '@dispatch/core';
import { kyselyStore } from '@dispatch/orm-kysely';
import { outboxSchemaSql } from '@dispatch/store-sql';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { serveDashboard } from '../dist/index.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = 25;
const table = `dashboard_bench_${randomBytes(4).toString('hex')}`;
const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 4 });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(1)} ms`;

/** Milliseconds from sending the request to the first byte of the body. */
function firstByte(url) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, (res) => {
      res.once('data', () => {
        const elapsed = performance.now() - started;
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(elapsed) : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function timeQuery(sql, params = []) {
  const started = performance.now();
  await pool.query(sql, params);
  return performance.now() - started;
}

async function fill() {
  for (const sql of outboxSchemaSql({ dialect: 'postgresql', tableName: table }).up) await pool.query(sql);
  // Mostly published history over two days, some failed, a small live backlog: a busy outbox.
  const started = performance.now();
  await pool.query(
    `INSERT INTO "${table}" (id, spec_version, event_type, source, subject, data_content_type, data_schema, data,
  ordering_key, extensions, fields, backend, max_retries, created_at, status, attempts, available_at, published_at,
  updated_at, last_error, history)
SELECT 'bench-' || g, '1.0', (ARRAY['order.created', 'order.paid', 'user.signed-up'])[1 + g % 3], 'bench', NULL,
  'application/json', NULL, '{"n":' || g || '}', 'key-' || (g % 5000), '{}', '{}',
  CASE WHEN g % 10 = 0 THEN 'audit' ELSE 'default' END, 3, t.at,
  CASE WHEN g > $1 - 2000 THEN 'pending' WHEN g % 200 = 0 THEN 'failed' ELSE 'published' END,
  1, t.at, CASE WHEN g > $1 - 2000 OR g % 200 = 0 THEN NULL ELSE t.at + 50 END, t.at + 50,
  CASE WHEN g % 200 = 0 THEN 'rejected' ELSE NULL END, '[]'
FROM generate_series(1, $1) AS g,
  LATERAL (SELECT (floor(extract(epoch FROM now()) * 1000))::bigint - ($1 - g) * (172800000 / $1) AS at) AS t`,
    [ROWS],
  );
  await pool.query(`ANALYZE "${table}"`);
  console.log(`filled ${ROWS} rows in ${ms(performance.now() - started)}`);
}

await fill();
const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
const store = await createStore(
  kyselyStore,
  { db, pgPool: pool, tableName: table },
  { logger: silentLogger },
);
// Default options: counts shared for 5 s and refreshed in the background after that.
const server = await serveDashboard({ store, port: 0, logger: silentLogger });
try {
  const t = `"${table}"`;
  const now = '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';
  // The activity statement as store-sql writes it ($1 window start, $2 bucket width).
  const finished = (status) =>
    `SELECT status, CASE WHEN created_at < $1::bigint THEN -1 ELSE created_at - (created_at % $2::bigint) END AS c,
  updated_at - (updated_at % $2::bigint) AS d, COUNT(*) AS n
FROM ${t} WHERE status = '${status}' AND updated_at >= $1::bigint GROUP BY status, 2, 3`;
  const statsSql = `SELECT backend, status, COUNT(*) AS n,
  SUM(CASE WHEN status = 'processing' AND locked_until > ${now} THEN 1 ELSE 0 END) AS in_flight,
  MIN(CASE WHEN status IN ('pending', 'retry') AND available_at <= ${now} THEN available_at END) AS oldest,
  MAX(${now}) AS now_ms FROM ${t} GROUP BY backend, status`;
  const cases = [
    {
      name: 'events, first page',
      url: `${server.url}events`,
      sql: [[`SELECT * FROM ${t} ORDER BY seq DESC LIMIT 51`]],
    },
    {
      name: 'events, failed only',
      url: `${server.url}events?status=failed`,
      sql: [[`SELECT * FROM ${t} WHERE status IN ('failed') ORDER BY seq DESC LIMIT 51`]],
    },
    {
      name: 'overview (counts from the shared cache; reference: the activity SQL)',
      url: server.url,
      sql: [
        [`SELECT ${now} AS now_ms`],
        [
          `${finished('published')} UNION ALL ${finished('failed')} UNION ALL
SELECT 'open', CASE WHEN created_at < $1::bigint THEN -1 ELSE created_at - (created_at % $2::bigint) END, -1, COUNT(*)
FROM ${t} WHERE status IN ('pending', 'retry', 'processing') GROUP BY 2`,
          [Math.floor(Date.now() / 60_000) * 60_000 - 59 * 60_000, 60_000],
        ],
      ],
    },
  ];
  const cold = await firstByte(server.url);
  const coldEvents = await firstByte(`${server.url}events`);
  console.log(`\nfirst view of a fresh server: overview ${ms(cold)}, events ${ms(coldEvents)}`);
  console.log(`\n${RUNS} runs each, median (after 3 warm-up runs)\n`);
  console.log('| page | time to first byte | the SQL alone (reference) | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const item of cases) {
    for (let n = 0; n < 3; n++) await firstByte(item.url);
    const pages = [];
    const refs = [];
    for (let n = 0; n < RUNS; n++) {
      pages.push(await firstByte(item.url));
      let total = 0;
      for (const [sql, params] of item.sql) total += await timeQuery(sql, params);
      refs.push(total);
    }
    const page = median(pages);
    const ref = median(refs);
    console.log(`| ${item.name} | ${ms(page)} | ${ms(ref)} | ${(page / ref).toFixed(2)} |`);
  }
  const counts = [];
  for (let n = 0; n < 5; n++) counts.push(await timeQuery(statsSql));
  console.log(
    `\nstore.stats() full count (run at most every 5 s, in the background): ${ms(median(counts))} median of 5`,
  );
  const plan = await pool.query(
    `EXPLAIN SELECT COUNT(*) FROM "${table}" WHERE status = 'published' AND updated_at >= $1::bigint`,
    [Date.now() - 3_600_000],
  );
  console.log(
    `\nactivity's finished-events plan:\n${plan.rows.map((row) => `  ${row['QUERY PLAN']}`).join('\n')}`,
  );
} finally {
  await server.close();
  await store.close();
  await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  await pool.end();
}
