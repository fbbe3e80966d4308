import { hasErrorCode, type MigrateResult } from '@dispatch/core';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor } from './executor.js';
import type { SqlTable } from './sql-table.js';

/**
 * `migrate`: the DDL (idempotent), then the same check `connect` makes, and what it did: `created`
 * when there was no table, `updated` when the table failed the check or gained an index,
 * `unchanged` otherwise. A table migrate cannot fix (a column it cannot add) fails the check.
 */
export async function migrateSchema(
  table: SqlTable,
  dialect: SqlDialect,
  executor: SqlExecutor,
  verify: () => Promise<void>,
): Promise<MigrateResult> {
  const before = await schemaState(executor, verify);
  const indexesBefore = await indexNames(table, dialect);
  for (const sql of dialect.createTableSql(table.names)) await table.run(sql);
  await dialect.migrate?.(table);
  await verify();
  const indexesAfter = await indexNames(table, dialect);
  const changed = before === 'outdated' || indexesAfter.some((name) => !indexesBefore.includes(name));
  return {
    outcome: before === 'missing' ? 'created' : changed ? 'updated' : 'unchanged',
    table: table.names.table,
  };
}

async function schemaState(
  executor: SqlExecutor,
  verify: () => Promise<void>,
): Promise<'missing' | 'outdated' | 'current'> {
  try {
    await verify();
    return 'current';
  } catch (error) {
    if (!hasErrorCode(error, 'DISPATCH_STORE_NOT_READY')) throw error;
    try {
      return executor.isMissingTable(error.cause) ? 'missing' : 'outdated';
    } catch {
      return 'outdated';
    }
  }
}

async function indexNames(table: SqlTable, dialect: SqlDialect): Promise<string[]> {
  const { sql, params } = dialect.indexNamesSql(table.names);
  const rows = await table.query(sql, params);
  return rows.map((row) => String(row.name ?? row.NAME ?? row.INDEX_NAME));
}
