import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineStore } from '@dispatch/core';
import { runStoreConformance } from '@dispatch/core/testing';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { resolveSqlStoreOptions, type SqlExecutor, SqlStoreDriver } from '../src/index.js';
import { mysqlExecutor, PG_CONFIG, pgExecutor, sqliteExecutor, withTransaction } from './driver-executors.js';

/** The store on an executor passed in the options, as an ORM package would define it. */
const driverStore = defineStore<{ executor: SqlExecutor; tableName: string }>({
  type: 'sql-on-driver',
  create: ({ executor, tableName }, { logger }) =>
    new SqlStoreDriver(executor, { ...resolveSqlStoreOptions({ tableName }), logger }),
});

let tables = 0;
const uniqueTable = () => `sqlconf_${process.pid}_${Date.now().toString(36)}_${tables++}`;

interface Opened {
  executor: SqlExecutor;
  drop(table: string): Promise<void>;
  close(): Promise<void>;
}

const databases: Record<string, () => Promise<Opened>> = {
  postgresql: async () => {
    const pool = new pg.Pool({ ...PG_CONFIG, max: 4 });
    return {
      executor: pgExecutor(pool),
      drop: async (table) => void (await pool.query(`DROP TABLE IF EXISTS "${table}"`)),
      close: () => pool.end(),
    };
  },
  mariadb: async () => {
    const pool = mysql.createPool({
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      database: 'test',
      connectionLimit: 4,
    });
    return {
      executor: mysqlExecutor(pool),
      drop: async (table) => {
        await pool.query(`DROP TABLE IF EXISTS \`${table}\`, \`${table}_key_locks\``);
      },
      close: () => pool.end(),
    };
  },
  sqlite: async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dispatch-store-sql-'));
    const db = new Database(join(folder, 'outbox.sqlite'));
    return {
      executor: sqliteExecutor(db),
      drop: async (table) => void db.exec(`DROP TABLE IF EXISTS "${table}"`),
      close: async () => {
        db.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
};

for (const [name, open] of Object.entries(databases)) {
  let opened: Opened;
  runStoreConformance({
    name: `store-sql on the bare driver (${name})`,
    setup: async () => {
      opened = await open();
    },
    teardown: () => opened.close(),
    store: async () => {
      const tableName = uniqueTable();
      return {
        definition: driverStore,
        options: { executor: opened.executor, tableName },
        transaction: (work) => withTransaction(opened.executor, work),
        cleanup: () => opened.drop(tableName),
      };
    },
    capabilities: { transactions: true, wakeups: name === 'postgresql' },
  });
}
