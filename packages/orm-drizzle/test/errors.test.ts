import { ConfigError, createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import {
  MARIADB_TEST,
  POSTGRES_TEST,
  removeSqliteFiles,
  SQL_DATABASES,
} from '@dispatch/test-services/sql-databases';
import Database from 'better-sqlite3';
import { DrizzleQueryError } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { pgTable, text } from 'drizzle-orm/pg-core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { detectDialect, drizzleStore, isMissingTableError, withOutboxTransaction } from '../src/index.js';
import { openDatabase, sqliteFile, uniqueTable } from './databases.js';

afterAll(() => removeSqliteFiles());

describe.each(SQL_DATABASES)('bad setups on %s', (name) => {
  it('says to run `dispatch migrate` when the table is missing, also inside a transaction', async () => {
    const database = await openDatabase(name);
    const store = await createStore(
      drizzleStore,
      { db: database.db, tableName: uniqueTable('missing') },
      { logger: silentLogger },
    );
    try {
      const failure = store.claim({ owner: 'w1', limit: 1, leaseMs: 1000 });
      await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_NOT_READY' });
      await expect(failure).rejects.toThrow(/dispatch migrate.*@dispatch\/orm-drizzle\/schema/);
      await expect(
        withOutboxTransaction(database.db, (tx) =>
          store.insert([makeNewEvent()], { transaction: tx, onCommit: () => {} }),
        ),
      ).rejects.toThrow(/dispatch migrate/);
    } finally {
      await store.close();
      await database.close();
    }
  });
});

describe('missing-table errors', () => {
  it("are recognised through Drizzle's DrizzleQueryError, on the real driver's error", async () => {
    const pool = new pg.Pool(POSTGRES_TEST);
    const db = drizzlePg(pool);
    const missing = pgTable(uniqueTable('nowhere'), { id: text('id') });
    try {
      const failure = await db
        .select()
        .from(missing)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(DrizzleQueryError);
      expect(isMissingTableError(failure)).toBe(true);
      expect(isMissingTableError(new Error('connection refused'))).toBe(false);
    } finally {
      await pool.end();
    }
  });
});

describe('options', () => {
  it('rejects a missing db and a bad table name with every problem listed', async () => {
    const failure = createStore(drizzleStore, { db: {}, tableName: 'drop table;' }, { logger: silentLogger });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/db: expected a Drizzle database/);
    await expect(failure).rejects.toThrow(/tableName/);
  });

  it('rejects a dialect that is not one of the three, and one that contradicts the db', async () => {
    const db = drizzleSqlite(new Database(sqliteFile()));
    try {
      await expect(
        createStore(drizzleStore, { db, dialect: 'oracle' }, { logger: silentLogger }),
      ).rejects.toThrow(/dialect: expected 'postgresql', 'mysql' or 'sqlite'/);
      // The driver is created at first use (creating the store does no I/O).
      const store = await createStore(drizzleStore, { db, dialect: 'postgresql' }, { logger: silentLogger });
      await expect(store.stats()).rejects.toThrow(/"postgresql" was given, but db is a sqlite database/);
    } finally {
      db.$client.close();
    }
  });

  it('detects the dialect of each driver, and asks for `dialect` when it cannot tell', () => {
    const pool = new pg.Pool(POSTGRES_TEST);
    const mysqlPool = mysql.createPool(MARIADB_TEST);
    const sqlite = new Database(sqliteFile());
    try {
      expect(detectDialect(drizzlePg(pool))).toBe('postgresql');
      expect(detectDialect(drizzleMysql(mysqlPool))).toBe('mysql');
      expect(detectDialect(drizzleSqlite(sqlite))).toBe('sqlite');
      const wrapped = { $client: pool, transaction: () => {} };
      expect(() => detectDialect(wrapped)).toThrow(/set OUTBOX_STORE.OPTIONS.dialect/);
      expect(detectDialect(wrapped, 'postgresql')).toBe('postgresql');
    } finally {
      sqlite.close();
      void pool.end();
      void mysqlPool.end();
    }
  });

  it('refuses a single pg Client, and a single mysql2 connection, naming the pool it needs', async () => {
    const client = new pg.Client(POSTGRES_TEST);
    const firstUse = async (db: unknown) =>
      (await createStore(drizzleStore, { db }, { logger: silentLogger })).stats();
    await expect(firstUse(drizzlePg(client))).rejects.toThrow(
      /single pg Client; the outbox store needs a pg Pool/,
    );
    const connection = await mysql.createConnection(MARIADB_TEST);
    try {
      await expect(firstUse(drizzleMysql(connection))).rejects.toThrow(
        /single mysql2 connection; the outbox store needs a pool/,
      );
    } finally {
      await connection.end();
    }
  });

  it('refuses a schema-qualified table name on SQLite', async () => {
    const db = drizzleSqlite(new Database(sqliteFile()));
    try {
      const store = await createStore(
        drizzleStore,
        { db, tableName: 'main.outbox' },
        { logger: silentLogger },
      );
      await expect(store.migrate()).rejects.toThrow(/SQLite takes a plain table name/);
    } finally {
      db.$client.close();
    }
  });
});
