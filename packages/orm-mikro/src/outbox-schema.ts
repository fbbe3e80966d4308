import { outboxSchemaSql as sqlFor } from '@dispatch/store-sql';
import type { DialectKind } from './detect-dialect.js';

export interface OutboxSchemaSqlOptions {
  dialect: DialectKind;
  /** @default 'outbox_events' */
  tableName?: string | undefined;
  /** Not needed: each database's quoting is built in (kept so existing calls still type-check). */
  quote?: ((name: string) => string) | undefined;
}

/** The DDL `migrate()` runs, for a MikroORM migration or a hand-written one. Idempotent `up`. */
export function outboxSchemaSql(options: OutboxSchemaSqlOptions): { up: string[]; down: string[] } {
  return sqlFor({ dialect: options.dialect, tableName: options.tableName });
}
