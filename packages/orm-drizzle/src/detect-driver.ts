import { InvalidArgumentError, StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialectName } from '@dispatch/store-sql';
import { drizzleKinds, sessionOf } from './drizzle-kinds.js';

/** The Drizzle drivers this store runs on, by the database each speaks. */
export const DRIVER_OF: Record<SqlDialectName, string> = {
  postgresql: 'node-postgres (drizzle-orm/node-postgres)',
  mysql: 'mysql2 (drizzle-orm/mysql2)',
  sqlite: 'better-sqlite3 (drizzle-orm/better-sqlite3)',
};

const SESSIONS: Record<string, SqlDialectName> = {
  NodePgSession: 'postgresql',
  MySql2Session: 'mysql',
  BetterSQLiteSession: 'sqlite',
};

const DATABASES: Record<string, SqlDialectName> = {
  PgDatabase: 'postgresql',
  MySqlDatabase: 'mysql',
  BaseSQLiteDatabase: 'sqlite',
};

const supported = Object.values(DRIVER_OF).join(', ');

/**
 * Which database a Drizzle `db` speaks, from its session's class (the driver) and its own class
 * (the dialect). `explicit` overrides the guess for a database the store cannot recognise (a
 * wrapped or proxied one), but must agree with what is recognised.
 */
export function detectDialect(db: unknown, explicit?: SqlDialectName): SqlDialectName {
  const sessionKinds = drizzleKinds(sessionOf(db));
  const dbKinds = drizzleKinds(db);
  const bySession = sessionKinds.map((kind) => SESSIONS[kind]).find((name) => name !== undefined);
  const byDb = dbKinds.map((kind) => DATABASES[kind]).find((name) => name !== undefined);
  if (explicit !== undefined) {
    const seen = bySession ?? byDb;
    if (seen !== undefined && seen !== explicit) {
      throw new InvalidArgumentError(
        `OUTBOX_STORE.OPTIONS.dialect: "${explicit}" was given, but db is a ${seen} database (${dbKinds[0] ?? 'unknown class'}); leave dialect out or pass the matching db.`,
      );
    }
    return explicit;
  }
  if (bySession !== undefined) return bySession;
  if (byDb !== undefined || sessionKinds.length > 0) {
    throw new StoreUnsupportedError(
      `The Drizzle outbox store runs on ${supported}; this db uses ${sessionKinds[0] ?? 'an unknown session'}${byDb ? ` (${byDb})` : ''}. Create db with one of those drivers.`,
    );
  }
  throw new InvalidArgumentError(
    `OUTBOX_STORE.OPTIONS.db: cannot tell which database this Drizzle db uses (no Drizzle session found). Pass the db that drizzle() returns, or set OUTBOX_STORE.OPTIONS.dialect to 'postgresql', 'mysql' or 'sqlite'.`,
  );
}
