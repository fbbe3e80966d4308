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
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaPg } from '@prisma/adapter-pg';
import Database from 'better-sqlite3';
import mariadb from 'mariadb';
import pg from 'pg';
import { PrismaClient as MysqlClient } from './generated/mysql/client/client.js';
import { PrismaClient as PostgresClient } from './generated/postgresql/client/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client/client.js';

/** The databases every test file runs on: the local PostgreSQL and MariaDB servers, SQLite files. */
export type DatabaseKind = SqlDatabaseName;

/**
 * The generated clients of the three providers have the same models and the same API; the tests
 * type them all as the PostgreSQL one.
 */
export type TestPrisma = PostgresClient;

/** A Prisma Client on one test database; `exec` runs SQL with the database's own driver. */
export interface OpenDb extends OpenSqlDatabase<pg.Pool> {
  prisma: TestPrisma;
}

/** A fresh SQLite file in a temporary folder, removed by `removeSqliteFiles`. */
export const sqliteFile = (): string => temporarySqliteFile('orm-prisma');

export async function openDb(
  kind: DatabaseKind,
  options: {
    /** Connections of the pool (PostgreSQL, MariaDB). @default 6 */
    poolSize?: number | undefined;
    /** SQLite: open this file (kept on close) instead of a new temporary one. */
    file?: string | null | undefined;
  } = {},
): Promise<OpenDb> {
  const poolSize = options.poolSize ?? 6;
  if (kind === 'postgresql') {
    const pgPool = new pg.Pool({ ...POSTGRES_TEST, max: poolSize });
    const prisma = new PostgresClient({ adapter: new PrismaPg(pgPool) });
    return {
      kind,
      prisma,
      pgPool,
      exec: async (sql, params = []) => (await pgPool.query(sql, params)).rows,
      async close() {
        await prisma.$disconnect();
        await pgPool.end();
      },
    };
  }
  if (kind === 'mariadb') {
    const pool = mariadb.createPool({ ...MARIADB_TEST, connectionLimit: 2 });
    const prisma = new MysqlClient({
      adapter: new PrismaMariaDb({ ...MARIADB_TEST, connectionLimit: poolSize }),
    }) as unknown as TestPrisma;
    return {
      kind,
      prisma,
      exec: async (sql, params = []) => {
        const result = await pool.query({ sql, bigIntAsNumber: true }, params);
        return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
      },
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }
  const file = options.file ?? sqliteFile();
  const prisma = new SqliteClient({
    adapter: new PrismaBetterSqlite3({ url: `file:${file}` }),
  }) as unknown as TestPrisma;
  const direct = new Database(file);
  return {
    kind,
    prisma,
    file,
    exec: async (sql, params = []) => {
      const statement = direct.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    async close() {
      await prisma.$disconnect();
      direct.close();
    },
  };
}

/** A table name no other test run uses. */
export const uniqueTable = uniqueTableNames('opx');

/** Drop an outbox table (and MariaDB's key-lock table) the way `down` does. */
export async function dropOutbox(open: OpenDb, tableName: string): Promise<void> {
  await dropTables(outboxSchemaSql({ dialect: sqlDialectOf(open.kind), tableName }).down, (sql) =>
    open.exec(sql),
  );
}
