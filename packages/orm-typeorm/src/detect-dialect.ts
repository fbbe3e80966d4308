import { StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialectName } from '@dispatch/store-sql';
import type { DataSourceLike } from './typeorm-types.js';

/** TypeORM's `type` of each driver the store runs on. */
const DIALECTS: Record<string, SqlDialectName> = {
  postgres: 'postgresql',
  mysql: 'mysql',
  mariadb: 'mysql',
  'better-sqlite3': 'sqlite',
};

/** Which SQL family a DataSource speaks, from its `type` option (known before `initialize()`). */
export function detectDialect(dataSource: DataSourceLike): SqlDialectName {
  const type = String(dataSource.options.type);
  const dialect = DIALECTS[type];
  if (dialect) return dialect;
  throw new StoreUnsupportedError(
    `The TypeORM outbox store runs on the DataSource types 'postgres', 'mysql', 'mariadb' and ` +
      `'better-sqlite3'; this DataSource has type '${type}'.` +
      (type === 'sqlite' ? " For SQLite, use type: 'better-sqlite3' (the better-sqlite3 driver)." : ''),
  );
}
