import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { outboxSchemaSql } from '@dispatch/store-sql';
import {
  dropTables,
  MARIADB_TEST,
  type OpenSqlDatabase,
  POSTGRES_TEST,
  type SqlDatabaseName,
  sqlDialectOf,
  temporarySqliteFile,
  uniqueTableNames,
} from '@dispatch/test-services/sql-databases';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type CompiledQuery as CompiledQueryType,
  type DatabaseConnection,
  type Dialect,
  type DialectAdapter,
  type Driver,
  Kysely,
  type KyselyPlugin,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
} from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import type { AnyKysely } from '../src/index.js';

/** The databases every test file runs on: the local PostgreSQL and MariaDB servers, SQLite files. */
export type DatabaseKind = SqlDatabaseName;

/** A Kysely instance on one test database, with the pg Pool behind it on PostgreSQL. */
export interface OpenDb extends OpenSqlDatabase<pg.Pool> {
  db: AnyKysely;
}

/** What a test may change in the dialect: the SQL the server sees, or the adapter Kysely reports. */
export interface DialectChanges {
  /** Rewrite a statement on its way to the real server. */
  rewrite?: ((sql: string) => string) | undefined;
  /** An adapter in place of the dialect's own (a third-party dialect's, say). */
  adapter?: (() => DialectAdapter) | undefined;
}

/** Forward every member to `target`, methods bound to it (Kysely's classes use private fields). */
function forward<T extends object>(target: T, override: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in override) return override[property as keyof T];
      const value = Reflect.get(object, property);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

/** `inner` with `changes` applied, as a third-party dialect on top of it would be. */
export function changedDialect(inner: Dialect, changes: DialectChanges): Dialect {
  const rewrite = changes.rewrite ?? ((sql: string) => sql);
  const connection = (original: DatabaseConnection) =>
    forward(original, {
      executeQuery: (query: CompiledQueryType) => {
        const sql = rewrite(query.sql);
        return original.executeQuery(sql === query.sql ? query : { ...query, sql });
      },
    });
  return {
    createAdapter: () => changes.adapter?.() ?? inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: (): Driver => {
      const driver = inner.createDriver();
      return forward(driver, {
        acquireConnection: async (...args: Parameters<Driver['acquireConnection']>) =>
          connection(await driver.acquireConnection(...args)),
      });
    },
  };
}

export async function openDb(
  kind: DatabaseKind,
  options: {
    plugins?: KyselyPlugin[];
    changes?: DialectChanges;
    /** Connections of the pool (PostgreSQL, MariaDB). @default 6 */
    poolSize?: number | undefined;
    /** SQLite: open this file (kept on close) instead of a new temporary one. */
    file?: string | undefined;
  } = {},
): Promise<OpenDb> {
  const poolSize = options.poolSize ?? 6;
  const plugins = options.plugins ?? [];
  const dialect = (inner: Dialect) => (options.changes ? changedDialect(inner, options.changes) : inner);
  let db: AnyKysely;
  let pgPool: pg.Pool | undefined;
  let temporary: string | undefined;
  let file = options.file;
  if (kind === 'postgresql') {
    pgPool = new pg.Pool({ ...POSTGRES_TEST, max: poolSize });
    db = new Kysely({ dialect: dialect(new PostgresDialect({ pool: pgPool })), plugins });
  } else if (kind === 'mariadb') {
    db = new Kysely({
      dialect: dialect(
        new MysqlDialect({ pool: createPool({ ...MARIADB_TEST, connectionLimit: poolSize }) }),
      ),
      plugins,
    });
  } else {
    if (!file) {
      temporary = temporarySqliteFile('orm-kysely');
      file = temporary;
    }
    const database = new Database(file);
    db = new Kysely({ dialect: dialect(new SqliteDialect({ database })), plugins });
  }
  return {
    kind,
    db,
    pgPool,
    file,
    exec: async (sql, params = []) =>
      (await db.executeQuery(CompiledQuery.raw(sql, params))).rows as Record<string, unknown>[],
    async close() {
      await db.destroy();
      if (temporary) rmSync(dirname(temporary), { recursive: true, force: true });
    },
  };
}

/** A table name no other test run uses. */
export const uniqueTable = uniqueTableNames('okx');

/** Drop an outbox table (and MariaDB's key-lock table) the way `down` does. */
export async function dropOutbox(open: OpenDb, tableName: string): Promise<void> {
  await dropTables(outboxSchemaSql({ dialect: sqlDialectOf(open.kind), tableName }).down, open.exec);
}
