import { dialectFor } from './dialects.js';
import type { SqlDialectName } from './executor.js';
import { keyLockRowsSql } from './mysql.js';
import { DEFAULT_TABLE_NAME, tableNames } from './schema.js';

export interface OutboxSchemaSqlOptions {
  dialect: SqlDialectName;
  /** @default 'outbox_events' */
  tableName?: string | undefined;
}

/** The DDL `migrate()` runs, for an ORM's migration or a hand-written one. Idempotent `up`. */
export function outboxSchemaSql(options: OutboxSchemaSqlOptions): { up: string[]; down: string[] } {
  const dialect = dialectFor(options.dialect);
  const names = tableNames(options.tableName ?? DEFAULT_TABLE_NAME);
  const up = dialect.createTableSql(names);
  if (options.dialect === 'mysql') up.push(keyLockRowsSql(names));
  return { up, down: dialect.dropTableSql(names) };
}
