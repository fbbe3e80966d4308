import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { drizzleStore, outboxSchemaSql } from '../src/index.js';

export type DatabaseName = 'postgresql' | 'mariadb' | 'sqlite';

export const DATABASES: readonly DatabaseName[] = ['postgresql', 'mariadb', 'sqlite'];

export const dialectOf = (name: DatabaseName) => (name === 'mariadb' ? 'mysql' : name);

export const PG_CONFIG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
export const MYSQL_CONFIG = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };

const folders: string[] = [];

/** A fresh SQLite file in a temp folder, removed by `removeTempFiles`. */
export function sqliteFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dispatch-orm-drizzle-'));
  folders.push(folder);
  return join(folder, 'outbox.sqlite');
}

export function removeTempFiles(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

let counter = 0;

/** A table name no other test run uses. */
export function uniqueTable(prefix: string): string {
  counter += 1;
  return `od_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

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
    const pool = new pg.Pool({ ...PG_CONFIG, max: connections });
    return {
      name,
      db: drizzlePg(pool),
      sql: async (text, params = []) => (await pool.query(text, params)).rows,
      close: () => pool.end(),
    };
  }
  if (name === 'mariadb') {
    const pool = mysql.createPool({ ...MYSQL_CONFIG, connectionLimit: connections });
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

export async function dropOutbox(database: TestDatabase, tableName: string): Promise<void> {
  const { down } = outboxSchemaSql({ dialect: dialectOf(database.name), tableName });
  for (const statement of down) await database.sql(statement);
}

/** A migrated Drizzle store on a fresh table, and how to drop the table and close it all. */
export interface TestOutbox {
  database: TestDatabase;
  store: OutboxStore;
  tableName: string;
  close(): Promise<void>;
}

export async function openOutbox(name: DatabaseName, prefix: string): Promise<TestOutbox> {
  const database = await openDatabase(name);
  const tableName = uniqueTable(prefix);
  const store = await createStore(drizzleStore, { db: database.db, tableName }, { logger: silentLogger });
  await store.migrate();
  return {
    database,
    store,
    tableName,
    async close() {
      await store.close();
      await dropOutbox(database, tableName);
      await database.close();
      removeTempFiles();
    },
  };
}
