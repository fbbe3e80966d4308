import { type ClaimRequest, MAX_ATTEMPT_HISTORY } from '@dispatch/core';
import { Bindings, chosenSql, keyRunsSql } from './claim-sql.js';
import { INSERT_CHUNK, type SqlDialect } from './dialect.js';
import type { SqlRow } from './executor.js';
import { INSERT_COLUMNS, insertRowSql, insertValues } from './row-mapping.js';
import { columnsSql, partialIndexesSql } from './schema.js';
import type { SqlTable } from './sql-table.js';

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

  indexNamesSql(names) {
    return {
      sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
      params: [names.base],
    };
  },

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
    const rowSql = insertRowSql(table.now, sqlite.int);
    await table.run(
      `INSERT INTO ${table.t} (${INSERT_COLUMNS.join(', ')}) VALUES ${events.map(() => rowSql).join(', ')} ON CONFLICT (id) DO NOTHING`,
      events.flatMap(insertValues),
      trx,
    );
  },

  claim(table: SqlTable, request: ClaimRequest): Promise<SqlRow[]> {
    const { t, now } = table;
    if (request.backends?.length === 0) return Promise.resolve([]);
    const bindings = new Bindings();
    const values = bindings.claim(request);
    // A single UPDATE takes SQLite's write lock before it reads, so two claimers (even in two
    // processes) serialize here; the key-run cut still drops rows behind a filtered-out one.
    const sql = `UPDATE ${t} SET status = 'processing', lease_owner = ${values.owner()}, locked_until = ${now} + ${values.lease()},
  attempts = attempts + 1, updated_at = ${now}
WHERE seq IN (WITH candidates AS (${chosenSql(t, now, values)})
  ${keyRunsSql(t, now, 'candidates', values)}) RETURNING *`;
    return table.query(sql, bindings.params);
  },

  cleanupSql: (t, where) => `DELETE FROM ${t} WHERE seq IN (SELECT seq FROM ${t} WHERE ${where} LIMIT ?)`,
};
