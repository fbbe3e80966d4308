import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The SQL databases the ORM stores' tests run on: this machine's PostgreSQL and MariaDB servers
 * (the MySQL dialect), and SQLite files in temporary folders.
 */
export type SqlDatabaseName = 'postgresql' | 'mariadb' | 'sqlite';

/** The SQL dialect of a test database, as the stores and `outboxSchemaSql` name it. */
export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite';

export const SQL_DATABASES: readonly SqlDatabaseName[] = ['postgresql', 'mariadb', 'sqlite'];

export const sqlDialectOf = (name: SqlDatabaseName): SqlDialect => (name === 'mariadb' ? 'mysql' : name);

/** The local PostgreSQL server (trust authentication) and its test database. */
export const POSTGRES_TEST = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

/** The local MariaDB server (root without a password) and its test database. */
export const MARIADB_TEST = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'test',
} as const;

/** The URL of `database` (the test database unless told) on the local PostgreSQL server. */
export const postgresTestUrl = (database: string = POSTGRES_TEST.database): string =>
  `postgres://${POSTGRES_TEST.user}@${POSTGRES_TEST.host}:${POSTGRES_TEST.port}/${database}`;

/** The URL of the test database on the local MariaDB server. */
export const MARIADB_TEST_URL = `mysql://${MARIADB_TEST.user}@${MARIADB_TEST.host}:${MARIADB_TEST.port}/${MARIADB_TEST.database}`;

/** `identifier` quoted for raw SQL on `name`. */
export const quoteIdentifier = (name: SqlDatabaseName, identifier: string): string =>
  name === 'mariadb' ? `\`${identifier}\`` : `"${identifier}"`;

/**
 * Table names no other test run uses (the servers are shared by parallel runs): `namePrefix`
 * tells which package left a table behind.
 */
export function uniqueTableNames(namePrefix: string): (prefix: string) => string {
  let counter = 0;
  return (prefix) => {
    counter += 1;
    return `${namePrefix}_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
  };
}

const folders: string[] = [];

/** A fresh SQLite file in a temporary folder named after `label`, removed by `removeSqliteFiles`. */
export function temporarySqliteFile(label: string): string {
  const folder = mkdtempSync(join(tmpdir(), `dispatch-${label}-`));
  folders.push(folder);
  return join(folder, 'outbox.sqlite');
}

/** Remove the folders of every `temporarySqliteFile` made so far. */
export function removeSqliteFiles(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** Drop an outbox table (and MariaDB's key-lock table): run its `down` statements in order. */
export async function dropTables(
  down: readonly string[],
  run: (statement: string) => Promise<unknown>,
): Promise<void> {
  for (const statement of down) await run(statement);
}

/** A schema-qualified table name and how to drop all it left. */
export interface QualifiedTable {
  schema: string;
  tableName: string;
  /** Drop the schema made for it, tables and all (PostgreSQL), or the outbox table (MariaDB). */
  drop(): Promise<void>;
}

/**
 * A schema-qualified table of a test: in a fresh schema on PostgreSQL (the store creates it), in
 * the test database on MariaDB (where a schema is a database). `run` runs raw SQL, `dropOutbox`
 * drops an outbox table.
 */
export function qualifiedTable(
  name: 'postgresql' | 'mariadb',
  uniqueTable: (prefix: string) => string,
  drop: { run(statement: string): Promise<unknown>; dropOutbox(tableName: string): Promise<void> },
): QualifiedTable {
  const schema = name === 'postgresql' ? uniqueTable('schema') : MARIADB_TEST.database;
  const tableName = `${schema}.${uniqueTable('qualified')}`;
  return {
    schema,
    tableName,
    drop: async () => {
      if (name === 'postgresql') await drop.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      else await drop.dropOutbox(tableName);
    },
  };
}

/** An ORM's client on one test database, with the pg Pool behind it on PostgreSQL. */
export interface OpenSqlDatabase<Pool = unknown> {
  kind: SqlDatabaseName;
  pgPool?: Pool | undefined;
  /** SQLite: the database file. */
  file?: string | undefined;
  /** Run SQL on the database directly, outside any store (placeholders in the driver's style). */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const VERSION_QUERIES = /^SELECT (current_setting\('server_version'\)|VERSION\(\)|sqlite_version\(\)) AS n$/;

const OLD_VERSIONS: Record<SqlDialect, string> = {
  sqlite: "SELECT '3.31.1' AS n",
  postgresql: "SELECT '9.4.26' AS n",
  mysql: "SELECT '10.5.23-MariaDB' AS n",
};

/**
 * A rewrite of the SQL a store sends on `dialect`: the real server answers, but reports a version
 * too old for what claiming needs.
 */
export const asOldServer =
  (dialect: SqlDialect) =>
  (sql: string): string =>
    VERSION_QUERIES.test(sql) ? OLD_VERSIONS[dialect] : sql;
