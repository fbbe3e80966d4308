import { StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialectName } from '@dispatch/store-sql';
import { adapterOf, type PrismaHandle } from './prisma-types.js';

/** Driver adapter `provider` values (`@prisma/driver-adapter-utils`) and the SQL family each speaks. */
const PROVIDERS: Record<string, SqlDialectName> = {
  postgres: 'postgresql',
  mysql: 'mysql',
  sqlite: 'sqlite',
};

/**
 * Which SQL family a Prisma Client speaks, from the driver adapter it was created with
 * (`@prisma/adapter-pg`, `@prisma/adapter-mariadb`, `@prisma/adapter-better-sqlite3`, or any
 * other adapter of those providers).
 */
export function detectDialect(prisma: PrismaHandle): SqlDialectName {
  const adapter = adapterOf(prisma);
  const dialect = PROVIDERS[String(adapter?.provider)];
  if (dialect) return dialect;
  const found = adapter
    ? `a driver adapter of provider ${JSON.stringify(adapter.provider)} (${String(adapter.adapterName)})`
    : 'no driver adapter';
  throw new StoreUnsupportedError(
    'The Prisma outbox store runs on Prisma Client 7 with a driver adapter for PostgreSQL ' +
      '(@prisma/adapter-pg), MariaDB/MySQL (@prisma/adapter-mariadb) or SQLite ' +
      `(@prisma/adapter-better-sqlite3), and found ${found}. Create the client with ` +
      'new PrismaClient({ adapter }); if it speaks one of those databases through another adapter, set ' +
      "OUTBOX_STORE.OPTIONS.dialect to 'postgresql', 'mysql' or 'sqlite'.",
  );
}
