import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, defineStore, type OutboxStore, silentLogger } from '@dispatch/core';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  outboxSchemaSql,
  resolveSqlStoreOptions,
  type SqlDialectName,
  type SqlExecutor,
  SqlStoreDriver,
  type SqlStoreOptions,
  sqlStoreCapabilities,
} from '../src/index.js';
import { mysqlExecutor, PG_CONFIG, pgExecutor, sqliteExecutor } from './driver-executors.js';

/** The store on an executor passed in the options, as an ORM package would define it. */
export const driverStore = defineStore<SqlStoreOptions & { executor: SqlExecutor }>({
  type: 'sql-on-driver',
  capabilities: ({ executor, notifyChannel }) =>
    sqlStoreCapabilities({
      dialect: () => executor.dialect,
      notifyChannel,
      listens: executor.listen !== undefined,
    }),
  create: ({ executor, ...options }, { logger }) =>
    new SqlStoreDriver(executor, { ...resolveSqlStoreOptions(options), logger }),
});

export type DriverDatabase = 'postgresql' | 'mariadb' | 'sqlite';

export const DRIVER_DATABASES: readonly DriverDatabase[] = ['postgresql', 'mariadb', 'sqlite'];

export const dialectOf = (db: DriverDatabase): SqlDialectName => (db === 'mariadb' ? 'mysql' : db);

export interface OpenedDriver {
  executor: SqlExecutor;
  /** SQLite: the database file. */
  file: string | null;
  /** Drop an outbox table (and its key-lock table). */
  drop(tableName: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connections of the bare driver on the local test servers: a pool of `connections` (4 unless
 * told), or for SQLite one connection on `file`, a new temporary file unless one is given (a file
 * given is left in place on close).
 */
export async function openDriver(
  db: DriverDatabase,
  options: { connections?: number | undefined; file?: string | undefined } = {},
): Promise<OpenedDriver> {
  const size = options.connections ?? 4;
  let opened: Omit<OpenedDriver, 'drop'>;
  if (db === 'postgresql') {
    const pool = new pg.Pool({ ...PG_CONFIG, max: size });
    opened = { executor: pgExecutor(pool), file: null, close: () => pool.end() };
  } else if (db === 'mariadb') {
    const pool = mysql.createPool({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      database: 'test',
      connectionLimit: size,
    });
    opened = { executor: mysqlExecutor(pool), file: null, close: () => pool.end() };
  } else {
    const folder = options.file ? undefined : mkdtempSync(join(tmpdir(), 'dispatch-store-sql-'));
    const file = options.file ?? join(folder!, 'outbox.sqlite');
    // Claimer processes contend for the one write lock: wait for it longer than the 5 s default.
    const database = new Database(file, { timeout: 30_000 });
    opened = {
      executor: sqliteExecutor(database),
      file,
      close: async () => {
        database.close();
        if (folder) rmSync(folder, { recursive: true, force: true });
      },
    };
  }
  const { executor } = opened;
  return {
    ...opened,
    async drop(tableName) {
      for (const sql of outboxSchemaSql({ dialect: executor.dialect, tableName }).down) {
        await executor.run(sql, []);
      }
    },
  };
}

/** A migrated store on `tableName` on its own connections; `close` drops the table and closes them. */
export async function openDriverStore(
  db: DriverDatabase,
  options: SqlStoreOptions & { tableName: string },
  connections?: number,
): Promise<{ store: OutboxStore; driver: OpenedDriver; close(): Promise<void> }> {
  const driver = await openDriver(db, { connections });
  const store = await createStore(
    driverStore,
    { ...options, executor: driver.executor },
    { logger: silentLogger },
  );
  await store.migrate();
  return {
    store,
    driver,
    async close() {
      try {
        await store.close();
        await driver.drop(options.tableName);
      } finally {
        await driver.close();
      }
    },
  };
}
