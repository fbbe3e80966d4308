import { StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialect } from './dialect.js';
import type { SqlDialectName } from './executor.js';
import { mysql } from './mysql.js';
import { postgresql } from './postgresql.js';
import { sqlite } from './sqlite.js';

const DIALECTS: Record<SqlDialectName, SqlDialect> = { postgresql, mysql, sqlite };

export function dialectFor(name: SqlDialectName): SqlDialect {
  const dialect = DIALECTS[name];
  if (!dialect) {
    throw new StoreUnsupportedError(
      `The SQL outbox store speaks postgresql, mysql (MariaDB too) and sqlite; the executor says "${String(name)}".`,
    );
  }
  return dialect;
}
