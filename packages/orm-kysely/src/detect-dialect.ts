import { StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialectName } from '@dispatch/store-sql';
import { type AnyKysely, adapterOf } from './kysely-types.js';

/**
 * Which SQL family a Kysely instance speaks, from its dialect adapter's class chain
 * (`PostgresAdapter`, `MysqlAdapter`, `SqliteAdapter`, and third-party adapters extending them).
 */
export function detectDialect(db: AnyKysely): SqlDialectName {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(adapterOf(db) ?? {}); proto && proto !== Object.prototype; ) {
    names.push(String(proto.constructor?.name ?? ''));
    proto = Object.getPrototypeOf(proto);
  }
  const chain = names.join(' ');
  if (/postgres|pglite/i.test(chain)) return 'postgresql';
  if (/mysql|mariadb/i.test(chain)) return 'mysql';
  if (/sqlite/i.test(chain)) return 'sqlite';
  throw new StoreUnsupportedError(
    `The Kysely outbox store supports PostgreSQL, MariaDB/MySQL and SQLite, and cannot tell which one this ` +
      `Kysely instance speaks from its adapter (${names[0] || 'none'}). If its database is one of them, set ` +
      `OUTBOX_STORE.OPTIONS.dialect to 'postgresql', 'mysql' or 'sqlite'.`,
  );
}
