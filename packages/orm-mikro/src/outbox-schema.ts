import { createTableSql, dropTableSql, keyLockRowsSql, tableNames } from './schema-sql.js';
import type { DialectKind } from './version.js';

export interface OutboxSchemaSqlOptions {
  dialect: DialectKind;
  /** @default 'outbox_events' */
  tableName?: string | undefined;
  /** Identifier quoting of the platform (`platform.quoteIdentifier`). */
  quote: (name: string) => string;
}

/** The DDL `migrate()` runs, for a MikroORM migration or a hand-written one. Idempotent `up`. */
export function outboxSchemaSql(options: OutboxSchemaSqlOptions): { up: string[]; down: string[] } {
  const names = tableNames(options.tableName ?? 'outbox_events');
  const up = createTableSql(options.dialect, options.quote, names);
  if (options.dialect === 'mysql') up.push(keyLockRowsSql(options.quote, names));
  return { up, down: dropTableSql(options.dialect, options.quote, names) };
}
