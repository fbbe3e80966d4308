import 'reflect-metadata';
import { describeTable } from '@dispatch/store-sql/testing';
import {
  dropTables,
  MARIADB_TEST,
  POSTGRES_TEST,
  type QualifiedTable,
  qualifiedTable,
  quoteIdentifier,
  type SqlDatabaseName,
  sqlDialectOf,
  temporarySqliteFile,
  uniqueTableNames,
} from '@dispatch/test-services/sql-databases';
import { type MigratedStore, migratedStore } from '@dispatch/test-services/store-dispatch';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { outboxSchemaSql, typeormStore } from '../src/index.js';

/** The databases every test file runs on: the local PostgreSQL and MariaDB servers, SQLite files. */
export type DatabaseName = SqlDatabaseName;

// TypeORM names the user `username`.
const { user: pgUser, ...pgRest } = POSTGRES_TEST;
const PG_CONFIG = { ...pgRest, username: pgUser };
const { user: mariadbUser, ...mariadbRest } = MARIADB_TEST;
const MARIADB_CONFIG = { ...mariadbRest, username: mariadbUser };

/** A fresh SQLite file in a temp folder, removed by `removeSqliteFiles`. */
export const sqliteFile = (): string => temporarySqliteFile('orm-typeorm');

/** A table name no other test run uses. */
export const uniqueTable = uniqueTableNames('ot');

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

/** Drop a table through a query runner of its own, released afterwards. */
export async function dropTableOn(dataSource: DataSource, tableName: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.dropTable(tableName);
  } finally {
    await runner.release();
  }
}

/** The outbox table `tableName` as the database behind `dataSource` describes it (collations too). */
export const describeOn = (dataSource: DataSource, name: DatabaseName, tableName: string) =>
  describeTable((text, params) => sql(dataSource, text, params), sqlDialectOf(name), tableName, {
    collation: true,
  });

export async function dropOutbox(
  dataSource: DataSource,
  name: DatabaseName,
  tableName: string,
): Promise<void> {
  await dropTables(outboxSchemaSql({ dialect: sqlDialectOf(name), tableName }).down, (statement) =>
    sql(dataSource, statement),
  );
}

/** A schema-qualified outbox table (a fresh schema on PostgreSQL), and how to drop it. */
export const qualifiedOutbox = (dataSource: DataSource, name: 'postgresql' | 'mariadb'): QualifiedTable =>
  qualifiedTable(name, uniqueTable, {
    run: (statement) => sql(dataSource, statement),
    dropOutbox: (tableName) => dropOutbox(dataSource, name, tableName),
  });

/** `identifier` quoted for raw SQL on `name`. */
export const quote = quoteIdentifier;

/** A migrated store on a fresh table, and how to drop the table and close it all. */
export interface TestOutbox extends MigratedStore {
  dataSource: DataSource;
}

export async function openOutbox(name: DatabaseName, prefix: string): Promise<TestOutbox> {
  const dataSource = await openDataSource(name);
  const tableName = uniqueTable(prefix);
  const migrated = await migratedStore(
    typeormStore,
    { dataSource, tableName },
    { dropOutbox: (table) => dropOutbox(dataSource, name, table), close: () => dataSource.destroy() },
  );
  return { dataSource, ...migrated };
}
