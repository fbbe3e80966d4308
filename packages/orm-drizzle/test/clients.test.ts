import { createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { MARIADB_TEST, MARIADB_TEST_URL, postgresTestUrl } from '@dispatch/test-services/sql-databases';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import mysql from 'mysql2';
import { describe, expect, it } from 'vitest';
import { drizzleStore, outboxSchemaSql, withOutboxTransaction } from '../src/index.js';
import { uniqueTable } from './databases.js';

// The pools Drizzle users get from drizzle(url), and mysql2's callback pool handed in directly.
// (sql.raw only for the static DDL of the cleanup.)
const clients = {
  'drizzle(url) on node-postgres': () => {
    const db = drizzlePg(postgresTestUrl());
    return {
      db,
      dialect: 'postgresql' as const,
      ddl: (text: string) => db.execute(sql.raw(text)),
      end: () => db.$client.end(),
    };
  },
  'drizzle(url) on mysql2': () => {
    const db = drizzleMysql(MARIADB_TEST_URL);
    return {
      db,
      dialect: 'mysql' as const,
      ddl: (text: string) => db.execute(sql.raw(text)),
      end: () => new Promise<void>((done) => db.$client.end(() => done())),
    };
  },
  'a mysql2 callback pool': () => {
    const db = drizzleMysql(mysql.createPool(MARIADB_TEST));
    return {
      db,
      dialect: 'mysql' as const,
      ddl: (text: string) => db.execute(sql.raw(text)),
      end: () => new Promise<void>((done) => db.$client.end(() => done())),
    };
  },
};

describe.each(Object.entries(clients))('the store on %s', (_title, open) => {
  it('migrates, writes in a transaction and claims', async () => {
    const { db, dialect, ddl, end } = open();
    const tableName = uniqueTable('client');
    const store = await createStore(drizzleStore, { db, tableName }, { logger: silentLogger });
    try {
      await store.migrate();
      const event = makeNewEvent({ key: 'k' });
      await withOutboxTransaction(db, (tx) => store.insert([event], { transaction: tx, onCommit: () => {} }));
      const [claimed] = await store.claim({ owner: 'w', limit: 1, leaseMs: 10_000 });
      expect(claimed?.id).toBe(event.id);
    } finally {
      await store.close();
      for (const statement of outboxSchemaSql({ dialect, tableName }).down) await ddl(statement);
      await end();
    }
  });
});
