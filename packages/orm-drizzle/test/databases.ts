import {
  dropTables,
  MARIADB_TEST,
  POSTGRES_TEST,
  type QualifiedTable,
  qualifiedTable,
  type SqlDatabaseName,
  sqlDialectOf,
  temporarySqliteFile,
  uniqueTableNames,
} from '@dispatch/test-services/sql-databases';
import { type MigratedStore, migratedStore } from '@dispatch/test-services/store-dispatch';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { drizzleStore, outboxSchemaSql } from '../src/index.js';

export type DatabaseName = SqlDatabaseName;

/** A fresh SQLite file in a temp folder, removed by `removeSqliteFiles`. */
export const sqliteFile = (): string => temporarySqliteFile('orm-drizzle');

/** A table name no other test run uses. */
export const uniqueTable = uniqueTableNames('od');

/** A Drizzle database on a local test server, with a raw query helper and a way to close it. */
export interface TestDatabase {
  name: DatabaseName;
  /** SQLite: the database file. */
  file?: string;
  // biome-ignore lint/suspicious/noExplicitAny: each test picks the query builders of its dialect.
  db: any;
  /** Run raw SQL on the driver client (placeholders in the driver's own style). */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openDatabase(
  name: DatabaseName,
  options: { connections?: number | undefined; file?: string | null | undefined } = {},
): Promise<TestDatabase> {
  const connections = options.connections ?? 6;
  if (name === 'postgresql') {
    const pool = new pg.Pool({ ...POSTGRES_TEST, max: connections });
    return {
      name,
      db: drizzlePg(pool),
      sql: async (text, params = []) => (await pool.query(text, params)).rows,
      close: () => pool.end(),
    };
  }
  if (name === 'mariadb') {
    const pool = mysql.createPool({ ...MARIADB_TEST, connectionLimit: connections });
    return {
      name,
      db: drizzleMysql(pool),
      sql: async (text, params = []) => (await pool.query(text, params))[0] as Record<string, unknown>[],
      close: () => pool.end(),
    };
  }
  const file = options.file ?? sqliteFile();
  const client = new Database(file);
  return {
    name,
    file,
    db: drizzleSqlite(client),
    sql: async (text, params = []) => {
      const statement = client.prepare(text);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    close: async () => {
      client.close();
    },
  };
}

/** A schema-qualified outbox table (a fresh schema on PostgreSQL), and how to drop it. */
export const qualifiedOutbox = (database: TestDatabase): QualifiedTable =>
  qualifiedTable(database.name as 'postgresql' | 'mariadb', uniqueTable, {
    run: (statement) => database.sql(statement),
    dropOutbox: (tableName) => dropOutbox(database, tableName),
  });

export async function dropOutbox(database: TestDatabase, tableName: string): Promise<void> {
  const { down } = outboxSchemaSql({ dialect: sqlDialectOf(database.name), tableName });
  await dropTables(down, (statement) => database.sql(statement));
}

/** A migrated Drizzle store on a fresh table, and how to drop the table and close it all. */
export interface TestOutbox extends MigratedStore {
  database: TestDatabase;
}

export async function openOutbox(name: DatabaseName, prefix: string): Promise<TestOutbox> {
  const database = await openDatabase(name);
  const tableName = uniqueTable(prefix);
  const migrated = await migratedStore(
    drizzleStore,
    { db: database.db, tableName },
    { dropOutbox: (table) => dropOutbox(database, table), close: () => database.close() },
  );
  return { database, ...migrated };
}
