import { StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialectName } from '@dispatch/store-sql';
import type { EntityManagerLike } from './orm-types.js';

/** The database family of a MikroORM platform (`SqlDialectName` of `@dispatch/store-sql`). */
export type DialectKind = SqlDialectName;

/** Which SQL family the ORM's platform speaks, from its class chain (no driver import needed). */
export function detectDialect(em: EntityManagerLike): DialectKind {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(em.getPlatform()); proto && proto !== Object.prototype; ) {
    names.push(String(proto.constructor?.name ?? ''));
    proto = Object.getPrototypeOf(proto);
  }
  const chain = names.join(' ');
  if (/postgre/i.test(chain)) return 'postgresql';
  if (/mysql|mariadb/i.test(chain)) return 'mysql';
  if (/sqlite/i.test(chain)) return 'sqlite';
  throw new StoreUnsupportedError(
    `The MikroORM outbox store supports PostgreSQL, MariaDB/MySQL and SQLite; this ORM uses ${names[0] ?? 'an unknown platform'}.`,
  );
}
