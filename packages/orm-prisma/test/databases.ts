import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outboxSchemaSql, type SqlDialectName } from '@dispatch/store-sql';
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
export type DatabaseKind = 'postgresql' | 'mariadb' | 'sqlite';

export const DATABASES: readonly DatabaseKind[] = ['postgresql', 'mariadb', 'sqlite'];

export const dialectOf = (kind: DatabaseKind): SqlDialectName => (kind === 'mariadb' ? 'mysql' : kind);

export const PG_CONFIG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
export const MARIADB_CONFIG = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };

/**
 * The generated clients of the three providers have the same models and the same API; the tests
 * type them all as the PostgreSQL one.
 */
export type TestPrisma = PostgresClient;

/** A Prisma Client on one test database, with the pg Pool behind it on PostgreSQL. */
export interface OpenDb {
  kind: DatabaseKind;
  prisma: TestPrisma;
  pgPool?: pg.Pool | undefined;
  /** SQLite: the database file. */
  file?: string | undefined;
  /** Run SQL on the database with its own driver, outside Prisma (placeholders in the driver's style). */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const folders: string[] = [];

/** A fresh SQLite file in a temporary folder, removed by `removeTempFiles`. */
export function sqliteFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dispatch-orm-prisma-'));
  folders.push(folder);
  return join(folder, 'outbox.sqlite');
}

export function removeTempFiles(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

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
    const pgPool = new pg.Pool({ ...PG_CONFIG, max: poolSize });
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
    const pool = mariadb.createPool({ ...MARIADB_CONFIG, connectionLimit: 2 });
    const prisma = new MysqlClient({
      adapter: new PrismaMariaDb({ ...MARIADB_CONFIG, connectionLimit: poolSize }),
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

let counter = 0;

/** A table name no other test run uses. */
export function uniqueTable(prefix: string): string {
  counter += 1;
  return `opx_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** Drop an outbox table (and MariaDB's key-lock table) the way `down` does. */
export async function dropOutbox(open: OpenDb, tableName: string): Promise<void> {
  for (const sql of outboxSchemaSql({ dialect: dialectOf(open.kind), tableName }).down) await open.exec(sql);
}
