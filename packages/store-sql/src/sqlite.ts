import { type ClaimRequest, MAX_ATTEMPT_HISTORY } from '@dispatch/core';
import { chosenSql, keyRunsSql, WINDOW_FACTOR } from './claim-sql.js';
import { INSERT_CHUNK, type SqlDialect } from './dialect.js';
import type { SqlRow } from './executor.js';
import { INSERT_COLUMNS, insertValues } from './row-mapping.js';
import { columnsSql, partialIndexesSql } from './schema.js';
import type { SqlTable } from './sql-table.js';
import { list } from './sql-text.js';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** SQLite >= 3.35 (RETURNING). One writer at a time, so a claim never races another. */
export const sqlite: SqlDialect = {
  name: 'sqlite',
  quote,
  render: (sql) => sql,
  int: (placeholder) => placeholder,
  now: "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)",
  returning: true,
  appendHistorySql: (now, error) =>
    `json_insert(CASE WHEN json_array_length(history) >= ${MAX_ATTEMPT_HISTORY} THEN json_remove(history, '$[0]') ELSE history END, '$[#]', json_object('at', ${now}, 'error', ${error}))`,
  versionSql: 'SELECT sqlite_version() AS n',

  createTableSql(names) {
    const t = quote(names.table);
    const columns = columnsSql('sqlite', {
      seq: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      time: 'INTEGER',
      int: 'INTEGER',
      longText: 'TEXT',
      historyDefault: " DEFAULT '[]'",
    });
    return [
      `CREATE TABLE IF NOT EXISTS ${t} (\n  ${columns.join(',\n  ')}\n)`,
      ...partialIndexesSql(t, (suffix) => quote(`${names.base}_${suffix}`)),
    ];
  },

  dropTableSql: (names) => [`DROP TABLE IF EXISTS ${quote(names.table)}`],

  insertNeedsTransaction: (events) => events.length > INSERT_CHUNK,

  async insert(table, events, _keys, trx) {
    // One writer at a time: rows get their sequence numbers in commit order without a key lock.
    const rowSql = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, COALESCE(?, ${table.now}), ${table.now}, '[]')`;
    await table.run(
      `INSERT INTO ${table.t} (${INSERT_COLUMNS.join(', ')}) VALUES ${events.map(() => rowSql).join(', ')} ON CONFLICT (id) DO NOTHING`,
      events.flatMap(insertValues),
      trx,
    );
  },

  claim(table: SqlTable, request: ClaimRequest): Promise<SqlRow[]> {
    const { t, now } = table;
    const backends = request.backends;
    if (backends?.length === 0) return Promise.resolve([]);
    const filter = backends ? list(backends) : undefined;
    const requested = filter ? (alias: string) => `${alias}.backend IN (${filter.sql})` : undefined;
    const mine = request.continueRuns ? { owner: '?' } : undefined;
    const owner = mine ? [request.owner] : [];
    // A single UPDATE takes SQLite's write lock before it reads, so two claimers (even in two
    // processes) serialize here; the key-run cut still drops rows behind a filtered-out one.
    return table.query(
      `UPDATE ${t} SET status = 'processing', lease_owner = ?, locked_until = ${now} + ?,
  attempts = attempts + 1, updated_at = ${now}
WHERE seq IN (WITH candidates AS (${chosenSql(t, now, requested, '?', '?', mine)})
  ${keyRunsSql(t, 'candidates', mine && { ...mine, now })}) RETURNING *`,
      [
        request.owner,
        Math.ceil(request.leaseMs),
        ...(filter ? [...filter.params, ...filter.params] : []),
        WINDOW_FACTOR * request.limit,
        ...owner,
        request.limit,
        ...owner,
      ],
    );
  },

  cleanupSql: (t, where) => `DELETE FROM ${t} WHERE seq IN (SELECT seq FROM ${t} WHERE ${where} LIMIT ?)`,
};
