import { type ClaimRequest, MAX_ATTEMPT_HISTORY } from '@dispatch/core';
import { Bindings, chosenSql, dueSql, keyRunsOf, notOwnLeaseSql } from './claim-sql.js';
import { INSERT_CHUNK, type SqlDialect } from './dialect.js';
import type { SqlRow } from './executor.js';
import { INSERT_COLUMNS, insertRowSql, insertValues } from './row-mapping.js';
import { columnsSql, NON_FINAL, type TableNames } from './schema.js';
import type { SqlTable } from './sql-table.js';
import { fnv1a, list } from './sql-text.js';

/** Ordering keys hash into this many lock rows. */
export const KEY_LOCK_BUCKETS = 4096;

const quote = (name: string) =>
  name
    .split('.')
    .map((part) => `\`${part.replaceAll('`', '``')}\``)
    .join('.');

/** Secondary indexes (no partial indexes here, so `status` leads); `migrate` adds any a table lacks. */
export function mysqlIndexes(names: TableNames): { name: string; columns: string }[] {
  return [
    { name: `${names.base}_due_idx`, columns: 'status, seq' },
    // status before seq: an earlier non-final event of the key is found without walking its
    // published history.
    { name: `${names.base}_key_idx`, columns: 'ordering_key, status, seq' },
    { name: `${names.base}_cleanup_idx`, columns: 'status, updated_at' },
  ];
}

/** The key-lock rows, created once so producers only ever lock existing rows. */
export function keyLockRowsSql(names: TableNames): string {
  const values = Array.from({ length: KEY_LOCK_BUCKETS }, (_, n) => `(${n})`).join(',');
  return `INSERT IGNORE INTO ${quote(names.keyLocks)} (bucket) VALUES ${values}`;
}

/** MariaDB >= 10.6 and MySQL >= 8.0.1. */
export const mysql: SqlDialect = {
  name: 'mysql',
  quote,
  render: (sql) => sql,
  int: (placeholder) => placeholder,
  now: 'CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)',
  returning: false,
  appendHistorySql: (now, error) =>
    `JSON_ARRAY_APPEND(CASE WHEN JSON_LENGTH(history) >= ${MAX_ATTEMPT_HISTORY} THEN JSON_REMOVE(history, '$[0]') ELSE history END, '$', JSON_OBJECT('at', ${now}, 'error', ${error}))`,
  versionSql: 'SELECT VERSION() AS n',

  createTableSql(names) {
    const idx = (suffix: string) => quote(`${names.base}_${suffix}`);
    const columns = columnsSql('mysql', {
      seq: 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY',
      time: 'BIGINT',
      int: 'INT',
      longText: 'LONGTEXT',
      historyDefault: '',
    });
    // Binary collation keeps ids case-sensitive.
    const keys = [
      `UNIQUE KEY ${idx('id_unique')} (id)`,
      ...mysqlIndexes(names).map((index) => `KEY ${quote(index.name)} (${index.columns})`),
    ];
    return [
      `CREATE TABLE IF NOT EXISTS ${quote(names.table)} (\n  ${[...columns, ...keys].join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE IF NOT EXISTS ${quote(names.keyLocks)} (\n  bucket INT NOT NULL PRIMARY KEY\n) ENGINE=InnoDB`,
    ];
  },

  dropTableSql: (names) => [
    `DROP TABLE IF EXISTS ${quote(names.table)}`,
    `DROP TABLE IF EXISTS ${quote(names.keyLocks)}`,
  ],

  // The key lock only means something inside a transaction.
  insertNeedsTransaction: (events) =>
    events.length > INSERT_CHUNK || events.some((event) => event.key !== null),

  async insert(table, events, keys, trx) {
    if (keys.length > 0) {
      // Producers of one key queue here until the holder commits, so the key's rows get their
      // sequence numbers in commit order (GET_LOCK would survive a commit or rollback).
      const buckets = [...new Set(keys.map((key) => (fnv1a(key) >>> 0) % KEY_LOCK_BUCKETS))];
      const inList = list(buckets.sort((a, b) => a - b));
      await table.query(
        `SELECT bucket FROM ${table.q(table.names.keyLocks)} WHERE bucket IN (${inList.sql}) ORDER BY bucket FOR UPDATE`,
        inList.params,
        trx,
      );
    }
    const rowSql = insertRowSql(table.now, mysql.int);
    await table.run(
      `INSERT INTO ${table.t} (${INSERT_COLUMNS.join(', ')}) VALUES ${events.map(() => rowSql).join(', ')} ON DUPLICATE KEY UPDATE id = id`,
      events.flatMap(insertValues),
      trx,
    );
  },

  // No UPDATE ... RETURNING and no SKIP LOCKED in a subquery: choose, lock what is still due, cut
  // to key runs, then lease, in one short READ COMMITTED transaction that commits before we return.
  claim(table: SqlTable, request: ClaimRequest): Promise<SqlRow[]> {
    const { t, now } = table;
    if (request.backends?.length === 0) return Promise.resolve([]);
    const lease = Math.ceil(request.leaseMs);
    const continuing = request.continueRuns === true;
    const owner = continuing ? [request.owner] : [];
    return table.executor.transaction(
      async (trx) => {
        const bindings = new Bindings();
        const choice = chosenSql(t, now, bindings.claim(request));
        const chosen = await table.query(choice, bindings.params, trx);
        if (chosen.length === 0) return [];
        const seqList = list(chosen.map((row) => row.seq));
        const candidates = await table.query(
          `SELECT e.*, ${now} AS now_ms FROM ${t} e WHERE e.seq IN (${seqList.sql}) AND e.status IN ${NON_FINAL} AND ${dueSql('e', now)}
ORDER BY e.seq FOR UPDATE SKIP LOCKED`,
          seqList.params,
          trx,
        );
        if (candidates.length === 0) return [];
        let rows = candidates;
        const keys = [
          ...new Set(candidates.flatMap((row) => (row.ordering_key == null ? [] : [row.ordering_key]))),
        ];
        if (keys.length > 0) {
          const inList = list(keys);
          const last = Math.max(...candidates.map((row) => Number(row.seq)));
          const nonFinal = await table.query(
            `SELECT o.seq, o.ordering_key FROM ${t} o WHERE o.ordering_key IN (${inList.sql}) AND o.status IN ${NON_FINAL} AND o.seq <= ?${continuing ? ` AND ${notOwnLeaseSql('o', now, '?')}` : ''}`,
            [...inList.params, last, ...owner],
            trx,
          );
          rows = keyRunsOf(candidates, nonFinal);
          if (rows.length === 0) return [];
        }
        const nowMs = Number(rows[0]?.now_ms);
        const seqs = list(rows.map((row) => row.seq));
        await table.run(
          `UPDATE ${t} SET status = 'processing', lease_owner = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
WHERE seq IN (${seqs.sql})`,
          [request.owner, nowMs + lease, nowMs, ...seqs.params],
          trx,
        );
        return rows.map((row) => ({
          ...row,
          status: 'processing',
          lease_owner: request.owner,
          locked_until: nowMs + lease,
          attempts: Number(row.attempts) + 1,
          updated_at: nowMs,
        }));
      },
      { isolation: 'read committed' },
    );
  },

  cleanupSql: (t, where) => `DELETE FROM ${t} WHERE ${where} LIMIT ?`,

  indexNamesSql(names) {
    const qualified = names.table.includes('.');
    return {
      sql: `SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = ${qualified ? '?' : 'DATABASE()'} AND table_name = ?`,
      params: qualified ? names.table.split('.') : [names.base],
    };
  },

  async migrate(table) {
    // CREATE TABLE IF NOT EXISTS leaves an older table as it was: add the indexes it lacks.
    const { sql, params } = mysql.indexNamesSql(table.names);
    const rows = await table.query(sql, params);
    const present = new Set(rows.map((row) => String(row.name ?? row.NAME ?? row.INDEX_NAME)));
    for (const index of mysqlIndexes(table.names)) {
      if (!present.has(index.name))
        await table.run(`CREATE INDEX ${quote(index.name)} ON ${table.t} (${index.columns})`);
    }
    await table.run(keyLockRowsSql(table.names));
  },

  async verify(table, trx) {
    const [locks] = await table.query(`SELECT COUNT(*) AS n FROM ${quote(table.names.keyLocks)}`, [], trx);
    if (Number(locks?.n) < KEY_LOCK_BUCKETS) throw new Error(`${table.names.keyLocks} is not filled`);
  },
};
