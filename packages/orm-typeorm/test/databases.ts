import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { describeTable } from '@dispatch/store-sql/testing';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { outboxSchemaSql, type SqlDialectName, typeormStore } from '../src/index.js';

/** The databases every test file runs on: the local PostgreSQL and MariaDB servers, SQLite files. */
export type DatabaseName = 'postgresql' | 'mariadb' | 'sqlite';

export const DATABASES: readonly DatabaseName[] = ['postgresql', 'mariadb', 'sqlite'];

export const dialectOf = (name: DatabaseName): SqlDialectName => (name === 'mariadb' ? 'mysql' : name);

export const PG_CONFIG = { host: '127.0.0.1', port: 5432, username: 'postgres', database: 'test' };
export const MARIADB_CONFIG = {
  host: '127.0.0.1',
  port: 3306,
  username: 'root',
  password: '',
  database: 'test',
};

const folders: string[] = [];

/** A fresh SQLite file in a temp folder, removed by `removeTempFiles`. */
export function sqliteFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dispatch-orm-typeorm-'));
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
  return `ot_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export interface OpenOptions {
  /** Pooled connections (PostgreSQL, MariaDB). @default 6 */
  connections?: number | undefined;
  /** SQLite: an existing database file. */
  file?: string | null | undefined;
  /** Anything else for the DataSource (entities, migrations, synchronize...). */
  extra?: Partial<DataSourceOptions> | undefined;
}

/** The DataSource options for one test database. */
export function dataSourceOptions(name: DatabaseName, options: OpenOptions = {}): DataSourceOptions {
  const connections = options.connections ?? 6;
  const extra = (options.extra ?? {}) as Record<string, unknown>;
  if (name === 'postgresql') {
    return { type: 'postgres', ...PG_CONFIG, poolSize: connections, ...extra } as DataSourceOptions;
  }
  if (name === 'mariadb') {
    return {
      type: 'mariadb',
      connectorPackage: 'mysql2',
      ...MARIADB_CONFIG,
      poolSize: connections,
      ...extra,
    } as DataSourceOptions;
  }
  return {
    type: 'better-sqlite3',
    database: options.file ?? sqliteFile(),
    enableWAL: true,
    ...extra,
  } as DataSourceOptions;
}

/** An initialized DataSource on a local test database. */
export async function openDataSource(name: DatabaseName, options: OpenOptions = {}): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(name, options));
  await dataSource.initialize();
  return dataSource;
}

/** SQLite: the database file of a DataSource. */
export const fileOf = (dataSource: DataSource): string | null =>
  dataSource.options.type === 'better-sqlite3' ? String(dataSource.options.database) : null;

/** Run raw SQL on the DataSource outside any transaction (placeholders in the driver's own style). */
export async function sql(
  dataSource: DataSource,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return ((await runner.query(text, params, true)).records ?? []) as Record<string, unknown>[];
  } finally {
    await runner.release();
  }
}

/** The outbox table `tableName` as the database behind `dataSource` describes it (collations too). */
export const describeOn = (dataSource: DataSource, name: DatabaseName, tableName: string) =>
  describeTable((text, params) => sql(dataSource, text, params), dialectOf(name), tableName, {
    collation: true,
  });

export async function dropOutbox(
  dataSource: DataSource,
  name: DatabaseName,
  tableName: string,
): Promise<void> {
  for (const statement of outboxSchemaSql({ dialect: dialectOf(name), tableName }).down)
    await sql(dataSource, statement);
}

/** A migrated store on a fresh table, and how to drop the table and close it all. */
export interface TestOutbox {
  dataSource: DataSource;
  store: OutboxStore;
  tableName: string;
  close(): Promise<void>;
}

export async function openOutbox(name: DatabaseName, prefix: string): Promise<TestOutbox> {
  const dataSource = await openDataSource(name);
  const tableName = uniqueTable(prefix);
  const store = await createStore(typeormStore, { dataSource, tableName }, { logger: silentLogger });
  await store.migrate();
  return {
    dataSource,
    store,
    tableName,
    async close() {
      await store.close();
      await dropOutbox(dataSource, name, tableName);
      await dataSource.destroy();
      removeTempFiles();
    },
  };
}
